import { test, expect, type Browser } from '@playwright/test';
import { baseURL } from '../playwright.config';
import { cashier } from './accounts';

/**
 * The till sends an invoice for one Ceramic mug to a guest, in the language
 * the cashier picks; returns the order number and the pay link the order
 * page shows. The POS needs JavaScript, so this runs in a context of its own
 * with it on, and the no-js run checks the customer's side all the same.
 */
async function invoiceIn(browser: Browser, guest: string, language: string): Promise<{ number: string; payLink: string }> {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: true });
  try {
    const page = await context.newPage();
    await page.goto('/login?next=/pos');
    await page.getByLabel('Email').fill(cashier.email);
    await page.getByLabel('Password', { exact: true }).fill(cashier.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/pos$/);
    await expect(page.getByText('Loading the POS')).toBeHidden();
    await page.getByLabel('Search products').fill('mug');
    await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
    await page.getByLabel('Invoice email').fill(guest);
    // The store is English: the guest's language starts there.
    await expect(page.getByLabel('Language')).toHaveValue('en');
    await page.getByLabel('Language').selectOption(language);
    await page.getByRole('button', { name: 'Send invoice' }).click();
    const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
    await expect(link).toBeVisible();
    const number = (await link.textContent())!.replace('Order #', '');
    // The next guest starts from the store's language again.
    await expect(page.getByLabel('Language')).toHaveValue('en');
    await page.goto(`/orders/${number}`);
    const payLink = await page.locator('.paylink a').getAttribute('href');
    expect(payLink).toMatch(new RegExp(`/pay/${number}\\?key=`));
    return { number, payLink: payLink! };
  } finally {
    await context.close();
  }
}

test('a guest invoiced in French reads the pay page in French, and in English on request', async ({ page, browser }) => {
  const { number, payLink } = await invoiceIn(browser, `francais-${Date.now()}@example.fr`, 'fr');

  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(payLink);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('heading', { name: `Régler la commande nº ${number}` })).toBeVisible();
  // £14.40 written the French way: a comma, a no-break space before the symbol.
  await expect(page.getByText('14,40\u00a0£').first()).toBeVisible();
  await expect(page.getByText('Pay for order')).toHaveCount(0);

  // Download invoice (PDF): the same key, a PDF back.
  const pdf = page.getByRole('link', { name: 'Télécharger la facture (PDF)' });
  await expect(pdf).toBeVisible();
  const answer = await page.request.get(new URL((await pdf.getAttribute('href'))!, baseURL).toString());
  expect(answer.status()).toBe(200);
  expect(answer.headers()['content-type']).toBe('application/pdf');
  expect((await answer.body()).subarray(0, 5).toString()).toBe('%PDF-');

  // The customer forwards the link to someone who reads English.
  await page.goto(`${payLink}&lang=en`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: `Pay for order #${number}` })).toBeVisible();
  await expect(page.getByText('£14.40').first()).toBeVisible();
  // Remembered on this device without the parameter.
  await page.goto(payLink);
  await expect(page.getByRole('heading', { name: `Pay for order #${number}` })).toBeVisible();
});
