import { expect, type Locator } from '@playwright/test';

/** WCAG 2 contrast of an element's text colour against its background, from the rendered styles. */
export async function contrastOf(el: Locator): Promise<number> {
  const [fg, bg] = await el.evaluate((node) => {
    const s = getComputedStyle(node);
    return [s.color, s.backgroundColor];
  });
  const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  const lum = (c: string) => {
    const [r, g, b] = rgb(c).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export async function expectReadable(el: Locator) {
  expect(await contrastOf(el), 'text contrast against its background').toBeGreaterThanOrEqual(4.5);
}
