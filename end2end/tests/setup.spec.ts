import { test, expect, type Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { emptyStoreURL } from '../playwright.config';
import { admin, cashier } from './accounts';
import { lastMailTo } from './mail';
import { expectReadable } from './contrast';

// A new owner on an empty database (serve.sh's second Settle): the checklist,
// Settings, the French VAT set, WooCommerce's own sample export, the first
// sale and its invoice. The store is set up once, so this runs in the
// JavaScript project only (the POS cart is interactive); the same forms are
// posted without JavaScript by the integration tests (server/tests/integration/setup.rs).
const sample = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'woocommerce-sample-products.csv');

async function signIn(page: Page, who: { email: string; password: string }, next: string) {
  await page.goto(`${emptyStoreURL}/login?next=${next}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

test('a new owner sets up the store and sells a Beanie at its shelf price', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'no-js', 'one store, set up once (see the comment above)');
  test.skip(!fs.existsSync(sample), '../shared/data is not on this machine');

  // Before setup, a cashier is told to ask an admin.
  const other = await browser.newPage();
  await signIn(other, cashier, '/pos');
  await expect(other.getByText('The store is not set up yet; ask an admin.')).toBeVisible();
  await other.close();

  await signIn(page, admin, '/');
  const list = page.getByTestId('setup-checklist');
  await expect(list.getByRole('heading', { name: 'Set up your store' })).toBeVisible();
  await expect(list.locator('[data-step="currency"]')).toContainText('To do');

  await list.getByRole('link', { name: 'Store details' }).click();
  await page.getByLabel('Store name').fill('Chez Marie');
  await page.getByLabel('Store email').fill('bonjour@chez-marie.example');
  await page.getByLabel('Address', { exact: true }).fill('3 rue des Lilas\n75011 Paris');
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByLabel(/Prices include tax/).check();
  await page.getByLabel('Time zone').fill('Europe/Paris');
  // A pale brand colour: the pay page's header must still be readable
  // (white text on it would be about 1.3:1).
  await page.getByLabel('Brand colour').fill('#f5e6c8');
  // A bakery counter: most customers pay cash on the spot.
  await page.getByLabel('Default payment method').selectOption('cash');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  await page.getByRole('button', { name: /Add France/ }).click();
  await expect(page.getByText(/Added TVA 20% \(standard\)/)).toBeVisible();

  await page.goto(`${emptyStoreURL}/catalog/import`);
  await page.getByLabel('WooCommerce product CSV').setInputFiles(sample);
  await page.getByRole('button', { name: 'Import products' }).click();
  await expect(page.getByText('21 imported, 0 updated, 0 unchanged, 4 skipped, 0 with errors')).toBeVisible();

  await page.goto(`${emptyStoreURL}/`);
  await expect(page.locator('[data-step="products"]')).toContainText('21 products for sale');
  await expect(page.locator('[data-step="products"]')).toContainText('Done');

  await page.goto(`${emptyStoreURL}/pos`);
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await expect(page.getByRole('radio', { name: 'Cash' })).toBeChecked();
  await page.getByLabel('Search products').fill('beanie');
  await page.getByRole('button', { name: 'Add Beanie', exact: true }).click();
  await expect(page.getByTestId('pos-total')).toHaveText('€18.00');
  await expect(page.getByText('Includes TVA 20%')).toBeVisible();
  await expect(page.getByTestId('pos-tax')).toHaveText('€3.00');

  const guest = `beanie-${Date.now()}@example.com`;
  await page.getByLabel('Invoice email').fill(guest);
  await page.getByRole('radio', { name: 'Email invoice' }).check();
  await page.getByRole('button', { name: 'Send invoice' }).click();
  await expect(page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ })).toBeVisible();

  // The next customer: back to the store's default (Cash), then the change on €20.
  await expect(page.getByRole('radio', { name: 'Cash' })).toBeChecked();
  await page.getByRole('button', { name: 'Add Beanie', exact: true }).click();
  await page.getByLabel('Cash tendered').fill('20,00');
  await expect(page.getByTestId('pos-change')).toHaveText('Change: €2.00');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Take €18.00 in cash? Tendered €20.00, change €2.00.');
  await page.getByRole('button', { name: 'Confirm payment of €18.00' }).click();
  await expect(page.locator('.pos-result')).toContainText(/Order #\d+ paid/);
  await expect(page.locator('.pos-result').getByText('Change due: €2.00')).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Cash' })).toBeChecked();
  await expect(page.getByLabel('Cash tendered')).toHaveValue('');

  if (process.env.E2E_MAIL_DIR) {
    await expect.poll(() => lastMailTo(guest) ?? '', { timeout: 15_000 }).toContain('Reply-To: bonjour@chez-marie.example');
    const mail = lastMailTo(guest)!;
    expect(mail).toMatch(/From: "?Chez Marie"? <[^>]+>/);
    expect(mail).toContain('Includes TVA 20%');
    const link = mail.match(/https?:\/\/[^\s"<>]+\/pay\/\d+\?key=[A-Za-z0-9_-]{22}/)![0];
    const customer = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const phone = await customer.newPage();
    await phone.goto(link);
    await expect(phone.getByText('Includes TVA 20%')).toBeVisible();
    // Without Stripe there is no Pay button here; the header carries the brand colour.
    await expectReadable(phone.locator('.pay-head'));
    await customer.close();
  }
});
