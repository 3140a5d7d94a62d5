import { test, expect, type Locator, type Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { cashier } from './accounts';

// The README's pictures, taken from the running app on every run so they
// never go stale: the POS with a cart, the order it makes, its pay page on a
// phone and its invoice email. Files are written, never compared: a pixel
// never fails the suite. What changes from run to run (dates, times, the pay
// link's key) is masked, so a new run changes the files only when the pages
// change. Order numbers are not masked: on a fresh database the suite makes
// the same orders in the same order, so they only move when specs are added.
const dir = path.join(__dirname, '..', '..', 'docs', 'screenshots');

async function signIn(page: Page, next: string) {
  await page.goto(`/login?next=${next}`);
  await page.getByLabel('Email').fill(cashier.email);
  await page.getByLabel('Password', { exact: true }).fill(cashier.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

/**
 * Wraps what changes every run (dates and times as Settle prints them, the
 * pay link's key, the SMTP server's queue id) in spans, and returns them with
 * the date inputs, for `mask`. Only text nodes are split: nothing moves.
 */
async function volatile(page: Page): Promise<Locator[]> {
  await page.evaluate(() => {
    const months = 'January|February|March|April|May|June|July|August|September|October|November|December';
    const pattern = new RegExp(
      [
        // Staff pages: 2026-12-02, 2026-12-02 14:05 UTC
        '\\d{4}-\\d{2}-\\d{2}(?: \\d{2}:\\d{2}(?: [A-Z][A-Za-z0-9+-]*)?)?',
        // The pay page and the email: 2 December 2026
        `\\d{1,2} (?:${months}) \\d{4}`,
        'key=[A-Za-z0-9_-]{22}',
        'queued as [A-Za-z0-9-]+',
      ].join('|'),
      'g',
    );
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest('script, style, [data-volatile]')) continue;
      pattern.lastIndex = 0;
      if (pattern.test(n.textContent ?? '')) found.push(n as Text);
    }
    for (const node of found) {
      const text = node.textContent ?? '';
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const m of text.matchAll(pattern)) {
        const at = m.index ?? 0;
        parts.append(text.slice(last, at));
        const span = document.createElement('span');
        span.dataset.volatile = '';
        span.textContent = m[0];
        parts.append(span);
        last = at + m[0].length;
      }
      parts.append(text.slice(last));
      node.replaceWith(parts);
    }
  });
  return [page.locator('[data-volatile]'), page.locator('input[type="date"]')];
}

async function shoot(page: Page, name: string, fullPage: boolean) {
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  const mask = await volatile(page);
  await page.screenshot({
    path: path.join(dir, name),
    fullPage,
    mask,
    maskColor: '#d8dde3',
    animations: 'disabled',
    caret: 'hide',
    scale: 'css',
  });
}

test('README screenshots: the POS, an order, the pay page on a phone, the invoice email', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'no-js', 'taken once, from the JavaScript run');
  test.setTimeout(90_000);
  fs.mkdirSync(dir, { recursive: true });

  // The POS at a till's size, with a realistic cart.
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  const search = page.getByLabel('Search products');
  for (const [query, product, quantity] of [
    ['beans', 'Espresso beans 1 kg', '2'],
    ['mug', 'Ceramic mug', '1'],
    ['oat', 'Oat milk 1 L', '3'],
  ] as const) {
    await search.fill(query);
    await page.getByRole('button', { name: `Add ${product}` }).click();
    await page.getByLabel(`Quantity for ${product}`).fill(quantity);
  }
  await page.getByLabel('Discount', { exact: true }).fill('10%');
  await page.getByLabel('Customer', { exact: true }).fill('Ada');
  await page.getByRole('button', { name: 'Choose Ada Lovelace' }).click();
  await expect(page.locator('.chosen')).toContainText('Ada Lovelace');
  await page.getByRole('radio', { name: 'Email invoice' }).check();
  await search.fill('oat');
  await expect(page.getByRole('button', { name: 'Add Oat milk 1 L' })).toBeVisible();
  await search.blur();
  await expect(page.getByTestId('pos-total')).toBeVisible();
  await shoot(page, 'pos.png', false);

  await page.getByRole('button', { name: 'Send invoice' }).click();
  const created = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(created).toBeVisible();
  const number = (await created.textContent())!.replace('Order #', '');

  // The order page, once the invoice has gone (when there is an SMTP server).
  await page.goto(`/orders/${number}`);
  if (process.env.E2E_MAIL_DIR) {
    await expect(async () => {
      await page.reload();
      await expect(page.getByText(/^Sent \(250 /)).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
  }
  await expect(page.getByRole('button', { name: 'Copy pay link' })).toBeVisible();
  const payLink = (await page.locator('.paylink a').getAttribute('href'))!;
  const preview = (await page.getByRole('link', { name: 'Preview email' }).getAttribute('href'))!;
  await shoot(page, 'order.png', true);

  // The pay page as the customer sees it on a phone.
  const customer = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const phone = await customer.newPage();
    await phone.goto(payLink);
    await expect(phone.getByRole('heading', { name: `Pay for order #${number}` })).toBeVisible();
    if (process.env.E2E_STRIPE_PORT) await expect(phone.getByLabel('Card number')).toBeVisible();
    await shoot(phone, 'pay-phone.png', false);
  } finally {
    await customer.close();
  }

  // The invoice email, as the order page's "Preview email" renders it.
  await page.setViewportSize({ width: 720, height: 900 });
  await page.goto(preview);
  await expect(page.getByRole('link', { name: 'Pay for this order' })).toBeVisible();
  await shoot(page, 'invoice-email.png', true);
});
