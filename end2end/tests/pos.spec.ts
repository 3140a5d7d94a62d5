import { test, expect, type Page } from '@playwright/test';
import { cashier } from './accounts';
import { lastMailTo } from './mail';

async function signInAsCashier(page: Page, next: string) {
  await page.goto(`/login?next=${next}`);
  await page.getByLabel('Email').fill(cashier.email);
  await page.getByLabel('Password', { exact: true }).fill(cashier.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

test('a cashier sends an invoice to a guest and the email carries a working pay link', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
  await page.getByLabel('Search products').fill('oat');
  await page.getByRole('button', { name: 'Add Oat milk 1 L' }).click();
  await page.getByLabel('Quantity for Ceramic mug').fill('3');
  // 3 × £12.00 at 20% + £3.50 at 5%: £36.00 + £7.20 + £3.50 + £0.18 (0.175 rounds half up).
  await expect(page.getByTestId('pos-total')).toHaveText('£46.88');

  // Quantity 0 is refused next to the field, and nothing is sent.
  await page.getByLabel('Quantity for Ceramic mug').fill('0');
  await expect(page.getByText('the quantity must be at least 1')).toBeVisible();
  await page.getByLabel('Quantity for Ceramic mug').fill('3');

  const guest = `guest-${info.project.name}-${Date.now()}@example.com`;
  await page.getByLabel('Customer').fill('nobody-matches-this');
  await page.getByLabel('Invoice email').fill('not an email');
  await page.getByRole('radio', { name: 'Email invoice' }).check();
  await page.getByRole('button', { name: 'Send invoice' }).click();
  await expect(page.getByText('Nothing was saved')).toBeVisible();
  await expect(page.getByText('An email address cannot contain spaces or control characters.')).toBeVisible();

  await page.getByLabel('Invoice email').fill(guest);
  await page.getByRole('button', { name: 'Send invoice' }).click();
  const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(link).toBeVisible();
  const number = (await link.textContent())!.replace('Order #', '');
  await link.click();
  await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
  await expect(page.getByText('Pending payment')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy pay link' })).toBeVisible();
  const payLink = await page.locator('.paylink a').getAttribute('href');
  expect(payLink).toMatch(new RegExp(`/pay/${number}\\?key=[A-Za-z0-9_-]{22}$`));

  if (!process.env.E2E_MAIL_DIR) {
    test.info().annotations.push({ type: 'note', description: 'no SMTP server: run through scripts/test to check the email' });
    return;
  }
  await expect.poll(() => lastMailTo(guest), { timeout: 10_000 }).toBeTruthy();
  const mail = lastMailTo(guest)!;
  expect(mail).toContain(`Invoice for order #${number}`);
  expect(mail).toContain(payLink!);
  expect(mail).toContain('Pay for this order');
  await page.reload();
  await expect(page.getByText(/^Sent \(250 /)).toBeVisible();

  // Resend to a corrected address, then cancel with a reason: plain form posts.
  await page.getByLabel('Send the invoice to').fill(`fixed-${guest}`);
  await page.getByRole('button', { name: 'Resend invoice' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The invoice was queued again.' })).toBeVisible();
  await expect.poll(() => lastMailTo(`fixed-${guest}`), { timeout: 10_000 }).toContain(payLink!);
  await page.getByLabel('Reason for cancelling').fill('Customer will pay next visit');
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await expect(page.getByText('The order was cancelled. Its pay link now says so.')).toBeVisible();
  await expect(page.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
});

test('cash: the change as it is typed, a confirmation of the amount, then a clean till', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  const created = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  const confirm = page.getByRole('alertdialog', { name: 'Confirm payment' });

  await page.getByLabel('Search products').fill('BREAD');
  await page.getByRole('button', { name: 'Add Sourdough loaf' }).click();
  // £6.50 at 5% is £6.83 (6.825 rounds half up); a £4.50 fee typed with a comma makes £11.33.
  await page.getByLabel('Fee name').fill('Delivery');
  await page.getByLabel('Fee amount').fill('4,50');
  await expect(page.getByTestId('pos-total')).toHaveText('£11.33');
  const customerField = page.getByLabel('Customer', { exact: true });
  await customerField.fill('Ada');
  await page.getByRole('button', { name: /^Choose Ada/ }).first().click();
  await expect(page.locator('.chosen')).toContainText('Ada');

  await page.getByRole('radio', { name: 'Cash' }).check();
  const tendered = page.getByLabel('Cash tendered');
  const change = page.getByTestId('pos-change');
  await tendered.fill('10');
  await expect(change).toHaveText('Short by £1.33');
  await expect(change).toHaveClass(/error/);
  await tendered.fill('twenty');
  await expect(page.getByText('enter an amount such as 12.50')).toBeVisible();
  await expect(change).toHaveCount(0);
  await tendered.fill('20,00');
  await expect(change).toHaveText('Change: £8.67');

  // Enter in Cash tendered sells nothing and asks nothing.
  await tendered.press('Enter');
  await page.waitForTimeout(500);
  await expect(created).toHaveCount(0);
  await expect(confirm).toHaveCount(0);

  // Take payment asks first, with the amount; nothing is sold until Confirm.
  await page.getByRole('button', { name: 'Take payment' }).click();
  await expect(confirm).toContainText('Take £11.33 in cash? Tendered £20.00, change £8.67.');
  const confirmButton = confirm.getByRole('button', { name: 'Confirm payment of £11.33' });
  // Focus is on the question, not its button: a scanner's digits and Enter
  // (or a held-down Enter) never take the payment.
  await expect(confirm).toBeFocused();
  await page.keyboard.type('5012345000060');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  await expect(created).toHaveCount(0);
  await expect(confirm).toBeVisible();
  await tendered.press('Enter');
  await page.waitForTimeout(500);
  await expect(created).toHaveCount(0);

  // A changed cart closes it: the amount shown is always the amount sent. Back closes it too.
  await page.getByLabel('Quantity for Sourdough loaf').fill('2');
  await expect(confirm).toHaveCount(0);
  await page.getByLabel('Quantity for Sourdough loaf').fill('1');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await confirm.getByRole('button', { name: 'Back' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(created).toHaveCount(0);

  await page.getByRole('button', { name: 'Take payment' }).click();
  await confirmButton.click();
  await expect(created).toBeVisible();
  const result = page.locator('.pos-result');
  await expect(result).toContainText(/Order #\d+ paid/);
  await expect(result.getByText('Change due: £8.67')).toBeVisible();

  // The next customer starts clean, with the store's default method (Email invoice here).
  await expect(page.getByText('The cart is empty')).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Email invoice' })).toBeChecked();
  await expect(customerField).toHaveValue('');
  await expect(page.locator('.chosen')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Choose / })).toHaveCount(0);
  await expect(page.getByLabel('Invoice email')).toHaveValue('');
  await expect(page.getByLabel('Fee name')).toHaveValue('');
  await expect(page.getByLabel('Fee amount')).toHaveValue('');
  await expect(confirm).toHaveCount(0);
  await page.getByRole('radio', { name: 'Cash' }).check();
  await expect(tendered).toHaveValue('');

  await created.click();
  await expect(page.getByText('Paid', { exact: true })).toBeVisible();
  await expect(page.getByText(/Paid in store: Cash £11\.33 \(tendered £20\.00, change £8\.67\)/)).toBeVisible();
});

test('without JavaScript the POS says it needs it', async ({ page }, info) => {
  test.skip(info.project.name === 'js', 'checks the no-JS page');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('It needs JavaScript; orders and settings work without it.')).toBeVisible();
});

test('Enter never sells: it picks a customer, adds a scanned product, and nothing else', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  const created = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });

  // A barcode scanner types the SKU and Enter: the product goes in; twice makes 2.
  const search = page.getByLabel('Search products');
  await search.fill('MUG-01');
  await search.press('Enter');
  await expect(page.getByLabel('Quantity for Ceramic mug')).toHaveValue('1');
  await expect(search).toHaveValue('');
  await search.fill('MUG-01');
  await search.press('Enter');
  await expect(page.getByLabel('Quantity for Ceramic mug')).toHaveValue('2');
  await search.fill('mug');
  await search.press('Escape');
  await expect(search).toHaveValue('');

  // Enter in Customer picks the suggestion (arrow keys move through them); no invoice is sent.
  const customerField = page.getByLabel('Customer', { exact: true });
  await customerField.fill('Ada');
  await expect(page.getByRole('button', { name: /^Choose Ada/ }).first()).toBeVisible();
  await customerField.press('ArrowDown');
  await customerField.press('ArrowUp');
  await customerField.press('Enter');
  await expect(page.locator('.chosen')).toContainText('Ada');
  await expect(page.getByLabel('Invoice email')).not.toHaveValue('');

  // With Cash chosen, Enter in Discount, Fee or Quantity records nothing.
  await page.getByRole('radio', { name: 'Cash' }).check();
  for (const label of ['Discount', 'Fee amount', 'Quantity for Ceramic mug', 'Cash tendered']) {
    await page.getByLabel(label, { exact: true }).press('Enter');
  }
  await page.waitForTimeout(500);
  await expect(created).toHaveCount(0);
  // Nor does it open the payment question.
  await expect(page.getByRole('alertdialog')).toHaveCount(0);

  // Only the buttons sell (Take payment, then Confirm); then the next customer starts clean.
  await page.getByRole('button', { name: 'Take payment' }).click();
  await expect(created).toHaveCount(0);
  await page.getByRole('button', { name: /^Confirm payment of £/ }).click();
  await expect(created).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Email invoice' })).toBeChecked();
  await expect(customerField).toHaveValue('');
  await expect(page.locator('.chosen')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Choose / })).toHaveCount(0);
  await expect(page.getByText('The cart is empty')).toBeVisible();
});

test('a scanned barcode adds the product, 10% off is shown, and a field in error leaves the total incomplete', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  const created = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });

  // The demo chocolate bar's EAN-13 as a scanner types it, with Enter: once adds it, again makes 2.
  const search = page.getByLabel('Search products');
  const quantity = page.getByLabel('Quantity for Dark chocolate bar');
  await search.fill('5012345000060');
  await search.press('Enter');
  await expect(quantity).toHaveValue('1');
  await expect(search).toHaveValue('');
  await search.fill('5012345000060');
  await search.press('Enter');
  await expect(quantity).toHaveValue('2');

  // 10% of 2 × £3.00 is £0.60; VAT 5% on the £5.40 left is £0.27.
  await page.getByLabel('Discount', { exact: true }).fill('10%');
  await expect(page.getByText('Discount (10%)')).toBeVisible();
  await expect(page.getByTestId('pos-discount')).toHaveText('-£0.60');
  await expect(page.getByTestId('pos-total')).toHaveText('£5.67');

  // A fee amount that is not an amount: no total that quietly leaves it out, and Send sends nothing.
  await page.getByLabel('Fee name').fill('Delivery');
  await page.getByLabel('Fee amount').fill('abc');
  await expect(page.getByTestId('pos-total-incomplete')).toContainText('Incomplete');
  await expect(page.getByTestId('pos-total')).toHaveCount(0);
  await expect(page.getByLabel('Fee amount')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Invoice email').fill(`scan-${info.project.name}-${Date.now()}@example.com`);
  await page.getByRole('radio', { name: 'Email invoice' }).check();
  await page.getByRole('button', { name: 'Send invoice' }).click();
  await page.waitForTimeout(500);
  await expect(created).toHaveCount(0);

  // Fixed: the total is back (the £1.50 fee is not discounted) and the invoice goes with the discount.
  await page.getByLabel('Fee amount').fill('1.50');
  await expect(page.getByTestId('pos-total-incomplete')).toHaveCount(0);
  await expect(page.getByTestId('pos-total')).toHaveText('£7.17');
  await page.getByRole('button', { name: 'Send invoice' }).click();
  await expect(created).toBeVisible();
  await created.click();
  await expect(page.getByText('Discount (10%)')).toBeVisible();
});

test('a customer is found as people say their name, and so is their order', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signInAsCashier(page, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();

  // Surname first, lowercase: the demo store's Ada Lovelace is suggested.
  const customerField = page.getByLabel('Customer', { exact: true });
  await customerField.fill('lovelace ada');
  await page.getByRole('button', { name: 'Choose Ada Lovelace' }).click();
  await expect(page.locator('.chosen')).toContainText('Ada Lovelace');
  await page.getByRole('radio', { name: 'Email invoice' }).check();
  await page.getByRole('button', { name: 'Send invoice' }).click();
  const link = page.getByRole('status').getByRole('link', { name: /^Order #\d+$/ });
  await expect(link).toBeVisible();
  const number = (await link.textContent())!.replace('Order #', '');

  // Orders finds her order by her full name, and lists nobody else's.
  await page.goto('/orders');
  await page.getByLabel('Search orders').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(/[?&]q=Ada(\+|%20)Lovelace/);
  await expect(page.getByRole('link', { name: `#${number}`, exact: true })).toBeVisible();
  await expect(page.locator('tbody tr').filter({ hasNotText: 'Ada Lovelace' })).toHaveCount(0);
});

// A POS whose script cannot load says so (issue 13: a server built without
// cargo-leptos asked for a wasm file that did not exist, and the till showed
// "Loading the POS…" for ever).
const startFailure = 'The POS could not start: its script did not load.';

test('the POS says plainly when its wasm cannot load', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'without JavaScript nothing is loaded');
  await page.route('**/*.wasm', (route) => route.abort());
  await signInAsCashier(page, '/pos');
  await expect(page.getByText(startFailure)).toBeVisible();
  await expect(page.getByText(/the server's files do not match its build \(run the build again\)/)).toBeVisible();
  await expect(page.getByText('Loading the POS')).toBeHidden();
});

test('the POS says so too when its wasm is missing from the server', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'without JavaScript nothing is loaded');
  // What a server built without cargo-leptos's settings met: a 404 for the wasm it named.
  await page.route('**/*.wasm', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: 'Not found' }));
  await signInAsCashier(page, '/pos');
  await expect(page.getByText(startFailure)).toBeVisible();
  await expect(page.getByText('Loading the POS')).toBeHidden();
});

test('a POS that starts shows no start failure', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await signInAsCashier(page, '/pos');
  if (info.project.name === 'js') {
    await expect(page.getByText('Loading the POS')).toBeHidden();
    // Usable, not just quiet: a product goes into the cart.
    await page.getByLabel('Search products').fill('mug');
    await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
    await expect(page.getByLabel('Quantity for Ceramic mug')).toBeVisible();
  } else {
    await expect(page.getByText('It needs JavaScript')).toBeVisible();
  }
  await expect(page.getByText(startFailure)).toBeHidden();
  expect(errors).toEqual([]);
});
