import { test, expect, type Page } from '@playwright/test';
import * as path from 'path';
import { admin, cashier } from './accounts';

async function signIn(page: Page, who: { email: string; password: string }, next: string) {
  await page.goto(`/login?next=${next}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

test('an admin sends a test email and sees the SMTP server answer', async ({ page }) => {
  await signIn(page, admin, '/settings');
  await page.getByLabel('Send to').fill(admin.email);
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(page.getByText(/The mail server answered: 250/)).toBeVisible();
});

test('an admin imports the WooCommerce export and edits a product', async ({ page }, info) => {
  await signIn(page, admin, '/catalog/import');
  const csv = path.join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'woocommerce-products.csv');
  await page.getByLabel('WooCommerce product CSV').setInputFiles(csv);
  await page.getByRole('button', { name: 'Import products' }).click();
  await expect(page.getByRole('heading', { name: /Report: woocommerce-products\.csv/ })).toBeVisible();
  await expect(page.getByText(/\d+ imported, \d+ updated, \d+ unchanged, \d+ skipped/)).toBeVisible();

  await page.goto('/catalog/new');
  const name = `Gift card ${info.project.name} ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel(/^Price/).fill('12.345');
  await page.getByRole('button', { name: 'Save product' }).click();
  await expect(page.getByText('at most 2 digits after the decimal point')).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveValue(name);
  await page.getByLabel(/^Price/).fill('25');
  await page.getByRole('button', { name: 'Save product' }).click();
  await expect(page.getByText('Product saved.')).toBeVisible();
  await page.goto(`/catalog?q=${encodeURIComponent(name)}`);
  await expect(page.getByRole('link', { name })).toBeVisible();
});

test('a cashier saves a quote and converts it to an invoice later', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signIn(page, cashier, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
  await page.getByRole('button', { name: 'Save as quote' }).click();
  const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.locator('.status strong')).toHaveText('Quote');
  const guest = `quote-${Date.now()}@example.com`;
  await page.getByLabel('Send the invoice to').fill(guest);
  await page.getByRole('button', { name: 'Convert to invoice' }).click();
  await expect(page.getByText('The quote is now an invoice')).toBeVisible();
  await expect(page.locator('.status strong')).toHaveText('Pending payment');
  await expect(page.getByRole('cell', { name: guest })).toBeVisible();
});
