import { test, expect, type Page } from '@playwright/test';
import { admin, cashier } from './accounts';

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// Errors in the browser console (a CSP violation, a failed hydration, a 404 for
// an asset) fail the test: they are invisible to people but real defects.
test.beforeEach(async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  (page as any).__problems = problems;
});

test.afterEach(async ({ page }) => {
  expect((page as any).__problems, 'browser console errors').toEqual([]);
});

test('a staff page visited while signed out leads to sign-in and back', async ({ page }) => {
  await page.goto('/staff');
  await expect(page).toHaveURL(/\/login\?next=\/staff$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Settle' })).toBeVisible();
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByRole('heading', { name: 'Staff', exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: cashier.email })).toBeVisible();
});

test('sign in and sign out', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: `Welcome, ${admin.name}` })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByRole('status')).toHaveText('You have signed out.');
  // Signed out for real: the staff page sends us back to sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=\/$/);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, { email: cashier.email, password: 'not the password' });
  await expect(page).toHaveURL(/\/login\?error=invalid/);
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  // The same message for an account that does not exist.
  await signIn(page, { email: 'nobody@example.com', password: 'not the password' });
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('a cashier cannot open admin pages', async ({ page }) => {
  await page.goto('/settings');
  await signIn(page, cashier);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  // The browser reports the page's 403 status in the console: that one is expected.
  const problems: string[] = (page as any).__problems;
  const expected = problems.filter((p) => p.includes('status of 403'));
  expect(expected).toHaveLength(1);
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('status of 403')));
});

test('the password field reveals what was typed once hydrated', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the toggle only exists with JavaScript');
  await page.goto('/login');
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('visible?');
  const toggle = page.getByRole('button', { name: 'Show' });
  await expect(toggle).toBeVisible();
  await toggle.click();
  await expect(password).toHaveAttribute('type', 'text');
  await expect(page.getByRole('button', { name: 'Hide' })).toHaveAttribute('aria-pressed', 'true');
});

test('without JavaScript the toggle is not offered', async ({ page }, info) => {
  test.skip(info.project.name === 'js', 'checks the no-JS page');
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Show' })).toBeHidden();
});
