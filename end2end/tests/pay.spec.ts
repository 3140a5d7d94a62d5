import { test, expect, type Browser, type Page } from '@playwright/test';
import { baseURL } from '../playwright.config';
import { cashier } from './accounts';
import { lastMailTo, mailsTo } from './mail';
import { expectReadable } from './contrast';
import { expectNoSeriousAxe } from './axe';
import { runSettle } from './settle';

async function signInAsCashier(page: Page, next: string) {
  await page.goto(`/login?next=${next}`);
  await page.getByLabel('Email').fill(cashier.email);
  await page.getByLabel('Password', { exact: true }).fill(cashier.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

/** The POS sends an invoice for one Ceramic mug (£14.40 with VAT) to `guest`; returns the order number. */
async function sendInvoice(page: Page, guest: string): Promise<string> {
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
  await page.getByLabel('Invoice email').fill(guest);
  await page.getByRole('button', { name: 'Send invoice' }).click();
  const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(link).toBeVisible();
  return (await link.textContent())!.replace('Order #', '');
}

/** The pay link in the invoice email that reached the SMTP server. */
async function payLinkFromEmail(guest: string, number: string): Promise<string> {
  await expect.poll(() => lastMailTo(guest), { timeout: 10_000 }).toContain(`Invoice for order #${number}`);
  const mail = lastMailTo(guest)!;
  const link = mail.match(/https?:\/\/[^\s"<>]+\/pay\/\d+\?key=[A-Za-z0-9_-]{22}/);
  expect(link, 'the invoice carries a pay link').not.toBeNull();
  return link![0];
}

/**
 * An invoice from the POS, which needs JavaScript: sent from a context of its
 * own with it on, so the no-js run checks the customer's side all the same.
 * The pay link is the one the order page shows staff (the same link the
 * email carries), so no SMTP server is needed.
 */
async function invoiceFromPos(browser: Browser, guest: string): Promise<{ number: string; payLink: string }> {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: true });
  try {
    const page = await context.newPage();
    const number = await sendInvoice(page, guest);
    await page.goto(`/orders/${number}`);
    const payLink = await page.locator('.paylink a').getAttribute('href');
    expect(payLink).toMatch(new RegExp(`/pay/${number}\\?key=`));
    return { number, payLink: payLink! };
  } finally {
    await context.close();
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

test('a customer pays the emailed invoice online and the order is paid', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'no-js', 'card payment needs JavaScript (Stripe.js)');
  test.skip(!process.env.E2E_MAIL_DIR || !process.env.E2E_STRIPE_PORT, 'run through scripts/test (SMTP server and Stripe double)');
  const guest = `online-${Date.now()}@example.com`;
  const number = await sendInvoice(page, guest);
  const payLink = await payLinkFromEmail(guest, number);

  // The customer: no session, a phone-sized screen.
  const customer = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await customer.newPage();
  await phone.goto(payLink);
  await expect(phone.getByRole('heading', { name: `Pay for order #${number}` })).toBeVisible();
  await expect(phone.getByText('Ceramic mug')).toBeVisible();
  // The demo's amber button and blue header keep readable text.
  await expectReadable(phone.getByRole('button', { name: 'Pay £14.40' }));
  await expectReadable(phone.locator('.pay-head'));
  // A declined card first: a clear message, nothing charged, still payable.
  await phone.getByLabel('Card number').fill('4000000000000341');
  await phone.getByRole('button', { name: 'Pay £14.40' }).click();
  await expect(phone.getByRole('alert')).toContainText('Your card was declined.');
  await phone.getByLabel('Card number').fill('4242424242424242');
  await phone.getByRole('button', { name: 'Pay £14.40' }).click();
  await expect(phone.getByText('This order has been paid')).toBeVisible();
  await customer.close();

  await page.goto(`/orders/${number}`);
  await expect(page.locator('.status strong')).toHaveText('Paid');
  await expect(page.getByText(/Paid online by card: £14\.40/)).toBeVisible();
  await expect.poll(() => lastMailTo(guest), { timeout: 10_000 }).toContain(`Receipt for order #${number}`);
});

test('an invoice settled in store makes the pay page say it is paid', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart that creates the invoice needs JavaScript');
  const guest = `till-${Date.now()}@example.com`;
  const number = await sendInvoice(page, guest);
  await page.goto(`/orders/${number}`);
  const payLink = await page.locator('.paylink a').getAttribute('href');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await page.getByRole('radio', { name: 'Cash' }).check();
  await page.getByLabel(/Cash tendered/).fill('20');
  await page.getByRole('button', { name: 'Confirm payment' }).click();
  await expect(page.getByText('Change due:')).toContainText('£5.60');
  await expect(page.locator('.status strong')).toHaveText('Paid');

  const customer = await browser.newContext();
  const tab = await customer.newPage();
  await tab.goto(payLink!);
  await expect(tab.getByText('This order has been paid')).toBeVisible();
  await expect(tab.getByText(/by cash: £14\.40/)).toBeVisible();
  await expect(tab.getByRole('button', { name: /^Pay / })).toHaveCount(0);
  await customer.close();
});

test('a customer pays a deposit from the emailed link on a phone; the till takes the balance in cash', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'no-js', 'card payment needs JavaScript (Stripe.js)');
  test.skip(!process.env.E2E_MAIL_DIR || !process.env.E2E_STRIPE_PORT, 'run through scripts/test (SMTP server and Stripe double)');
  test.setTimeout(90_000);
  const guest = `deposit-${Date.now()}@example.com`;
  // The POS: one mug (£14.40) with a 30% deposit, split live as it is typed.
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
  await page.getByLabel('Invoice email').fill(guest);
  await page.getByLabel('Deposit (optional)').fill('30%');
  await expect(page.getByTestId('pos-deposit-split')).toHaveText('Deposit (30%) £4.32 due first; balance £10.08 later.');
  await page.getByLabel('Deposit (optional)').fill('15');
  await expect(page.getByRole('alert').filter({ hasText: 'less than the total' })).toBeVisible();
  await page.getByLabel('Deposit (optional)').fill('30 %');
  await page.getByRole('button', { name: 'Send invoice' }).click();
  const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(link).toBeVisible();
  const number = (await link.textContent())!.replace('Order #', '');
  const payLink = await payLinkFromEmail(guest, number);
  // (Decoded byte by byte, so the pound sign is not compared.)
  expect(lastMailTo(guest)).toMatch(/Pay deposit \S*4\.32/);

  // The customer, on a phone: the deposit first, the whole balance offered second.
  const customer = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await customer.newPage();
  await phone.goto(payLink);
  await expect(phone.getByRole('link', { name: 'Pay the whole balance, £14.40, instead' })).toBeVisible();
  await expectNoSeriousAxe(phone, 'pay page, a deposit due');
  await phone.getByLabel('Card number').fill('4242424242424242');
  await phone.getByRole('button', { name: 'Pay deposit £4.32' }).click();
  await expect(phone.getByRole('heading', { name: 'Paid so far: £4.32' })).toBeVisible();
  await expect(phone.getByRole('button', { name: 'Pay £10.08' })).toBeVisible();
  await expectNoSeriousAxe(phone, 'pay page after the deposit');

  // Staff take the balance in cash: the amount is the balance.
  await page.goto(`/orders/${number}`);
  await expect(page.locator('.status strong')).toHaveText('Partially paid');
  await expectNoSeriousAxe(page, 'order page, partially paid, with its payments');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await expect(page.getByLabel('Amount', { exact: true })).toHaveValue('10.08');
  await page.getByRole('radio', { name: 'Cash' }).check();
  await page.getByLabel(/Cash tendered/).fill('20');
  await page.getByRole('button', { name: 'Confirm payment' }).click();
  await expect(page.getByText('Change due:')).toContainText('£9.92');
  await expect(page.locator('.status strong')).toHaveText('Paid');
  await expect(page.getByTestId('ledger')).toContainText('£14.40');

  await phone.reload();
  await expect(phone.getByText('This order has been paid')).toBeVisible();
  await customer.close();
  // A receipt for each payment.
  await expect.poll(() => mailsTo(guest).filter((m) => m.includes(`Receipt for order #${number}`)).length, { timeout: 10_000 }).toBe(2);
});

test('a customer on a phone says they will pay in store; staff expect them, take payment, and no reminder follows', async ({ browser }, info) => {
  const guest = `in-store-${info.project.name}-${Date.now()}@example.com`;
  const { number, payLink } = await invoiceFromPos(browser, guest);
  // The customer: no session, a phone, JavaScript as the project has it.
  const customer = await browser.newContext({
    baseURL,
    javaScriptEnabled: info.project.use.javaScriptEnabled !== false,
    viewport: { width: 390, height: 844 },
  });
  let promised: string;
  try {
    const phone = await customer.newPage();
    await phone.goto(payLink);
    await expect(phone.getByRole('heading', { name: `Pay for order #${number}` })).toBeVisible();
    // A disclosure, not a script: it opens the same with JavaScript off.
    await phone.locator('summary', { hasText: "I'll pay in store" }).click();
    const date = phone.getByLabel('Date', { exact: true });
    await expect(date).toBeVisible();
    // Today in the store's time zone: the field's first day.
    const today = await date.getAttribute('min');
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    promised = today!;
    const day = new Date(`${today}T00:00:00Z`);
    await date.fill(today!);
    await phone.getByRole('button', { name: 'Confirm', exact: true }).click();
    const longDate = `${day.getUTCDate()} ${MONTHS[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
    await expect(phone.getByText(
      `You said you will pay in store on ${longDate}. See you then! Show the QR code or order number at the till.`,
    )).toBeVisible();
    await expect(phone).toHaveURL(new RegExp(`/pay/${number}\\?key=[A-Za-z0-9_-]+$`));
    // Paying online (with Stripe configured), or at the till with the code, is still on offer.
    await expect(phone.getByRole('heading', { name: /^(Pay|Total due:) £14\.40$/ })).toBeVisible();
    await expect(phone.getByRole('img', { name: `QR code of order number ${number}` })).toBeVisible();
    await expect(phone.locator('summary', { hasText: 'Change the date' })).toBeVisible();
    await expectNoSeriousAxe(phone, 'pay page: the customer will pay in store');
  } finally {
    await customer.close();
  }

  // Staff: Home lists the order under Expected in store (today), and so does the POS.
  const staff = await browser.newContext({ baseURL, javaScriptEnabled: info.project.use.javaScriptEnabled !== false });
  try {
    const page = await staff.newPage();
    await signInAsCashier(page, '/');
    const expected = page.getByTestId('home-expected');
    await expect(expected.getByRole('link', { name: `#${number}`, exact: true })).toBeVisible();
    await expect(expected).toContainText('£14.40');
    await expected.getByRole('link', { name: `#${number}`, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/orders/${number}$`));
    await expect(page.getByTestId('order-reminders')).toContainText('Customer will pay in store on');
    // The customer arrives and pays cash.
    await page.getByRole('button', { name: 'Take payment' }).click();
    await page.getByRole('radio', { name: 'Cash' }).check();
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await expect(page.locator('.status strong')).toHaveText('Paid');
    await page.goto('/');
    await expect(page.getByTestId('home-expected').getByRole('link', { name: `#${number}`, exact: true })).toHaveCount(0);
  } finally {
    await staff.close();
  }

  // Every reminder the policy has (the last is 7 days after the due date,
  // 14 days away), a month from now: the scheduler sends this order none.
  const inAMonth = new Date(`${promised!}T12:00:00Z`);
  inAMonth.setUTCDate(inAMonth.getUTCDate() + 30);
  // Inside the demo store's sending window (Monday to Saturday, 09:00–18:00 UTC).
  if (inAMonth.getUTCDay() === 0) inAMonth.setUTCDate(inAMonth.getUTCDate() + 1);
  const out = runSettle(['reminders', '--at', inAMonth.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  expect(out).toContain('Reminders:');
  if (process.env.E2E_MAIL_DIR) {
    await new Promise((r) => setTimeout(r, 1_500));
    expect(mailsTo(guest).filter((m) => /Subject: .*(Reminder|overdue)/i.test(m))).toEqual([]);
  }
  const check = await browser.newContext({ baseURL });
  try {
    const page = await check.newPage();
    await signInAsCashier(page, `/orders/${number}`);
    await expect(page.getByText('Reminder (1st of 3) not sent: the order is no longer waiting for payment')).toBeVisible();
  } finally {
    await check.close();
  }
});
