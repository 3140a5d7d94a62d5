import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { admin, cashier } from './accounts';

// "Readable everywhere": staff pages on a 390 px phone, the POS cart on a
// till-sized screen, axe-core on the POS, and the colour preview in Settings.

async function signIn(page: Page, who: { email: string; password: string }, next: string) {
  await page.goto(`/login?next=${next}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

/** How far the page reaches past the viewport's right edge (0 when nothing sticks out). */
async function overflow(page: Page): Promise<{ by: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const by = document.documentElement.scrollWidth - width;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && culprits.length < 5) {
        culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} right=${Math.round(r.right)}`);
      }
    }
    return { by, culprits };
  });
}

test('staff pages fit a 390 px phone without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, admin, '/');
  for (const path of ['/', '/pos', '/orders', '/customers', '/customers/new', '/catalog', '/catalog/new', '/catalog/import', '/settings', '/staff', '/account']) {
    await page.goto(path);
    await expect(page.locator('h1').first()).toBeVisible();
    const o = await overflow(page);
    expect(o.by, `${path} is wider than the phone: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(0);
    // Every link in the header can be reached without scrolling sideways.
    for (const link of await page.locator('.topbar a').all()) {
      const box = await link.boundingBox();
      expect(box, `${path}: header link`).not.toBeNull();
      expect(box!.x + box!.width, `${path}: header link ${await link.textContent()}`).toBeLessThanOrEqual(390);
    }
  }
  // An order page too (the first order listed, when the store has one).
  await page.goto('/orders');
  const first = page.locator('table a[href^="/orders/"]').first();
  if (await first.count()) {
    await first.click();
    const o = await overflow(page);
    expect(o.by, `order page is wider than the phone: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(0);
  }
});

test('the POS cart fits its card on till-sized screens', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the POS cart is interactive');
  await signIn(page, cashier, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  for (const product of ['Pour-over kettle', 'Barista course (2 hours)', 'Espresso beans 1 kg']) {
    await page.getByLabel('Search products').fill(product.split(' ')[0]);
    await page.getByRole('button', { name: `Add ${product}` }).click();
  }
  await page.getByLabel('Quantity for Pour-over kettle').fill('1000');
  for (const width of [1024, 1280, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    const card = await page.locator('section.pos-cart').boundingBox();
    expect(card).not.toBeNull();
    for (const b of await page.locator('section.pos-cart button, section.pos-cart input').all()) {
      const box = await b.boundingBox();
      if (!box) continue;
      expect(box.x + box.width, `at ${width} px a control sticks out of the Cart card`).toBeLessThanOrEqual(card!.x + card!.width);
    }
    // Nothing inside the card scrolls sideways either.
    const scrolls = await page.locator('section.pos-cart').evaluate((s) => s.scrollWidth - s.clientWidth);
    expect(scrolls, `at ${width} px the Cart card scrolls sideways`).toBeLessThanOrEqual(0);
  }
});

test('axe-core finds nothing on the POS at 390 px', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'axe-core runs in the page');
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, cashier, '/pos');
  await expect(page.getByText('Loading the POS')).toBeHidden();
  await page.getByLabel('Search products').fill('mug');
  await page.getByRole('button', { name: 'Add Ceramic mug' }).click();
  await page.getByLabel('Customer').fill('ada');
  await expect(page.getByRole('button', { name: 'Choose Ada Lovelace' })).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(found).toEqual([]);
});

test('Settings previews the pay page colours and warns about a pale one', async ({ page }, info) => {
  test.skip(info.project.name === 'no-js', 'the preview follows typing; without JavaScript it shows the saved colours');
  await signIn(page, admin, '/settings');
  const button = page.getByTestId('preview-button');
  await page.getByLabel('Button colour').fill('#0b1f3a');
  await expect(page.getByTestId('preview-contrast')).toContainText('White text');
  await expect(button).toHaveCSS('color', 'rgb(255, 255, 255)');
  await expect(page.getByTestId('accent_color-warning')).toHaveCount(0);
  await page.getByLabel('Button colour').fill('#fff6c2');
  await expect(page.getByTestId('accent_color-warning')).toContainText('very pale');
  await expect(button).toHaveCSS('color', 'rgb(0, 0, 0)');
  // Nothing is saved by typing: leaving the page keeps the stored colour.
  await page.goto('/settings');
  await expect(page.getByLabel('Button colour')).not.toHaveValue('#fff6c2');
});
