import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** The rules the guard holds every page to: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

function describe(v: Violation): string {
  const targets = v.nodes.map((n) => n.target.join(' ')).join(', ');
  return `${v.id} (${v.impact ?? 'unrated'}): ${v.help} at ${targets}`;
}

/**
 * Runs axe-core on the page as it is now. Serious and critical violations
 * fail the test (softly, so one run lists every page's findings); moderate and
 * minor ones are reported as annotations on the test, to read and fix, without
 * blocking. With JavaScript off, axe-core (a script) cannot run in the page,
 * so the page's markup, its scripts removed, is checked in a twin page at the
 * same address with scripts on: the DOM a browser without JavaScript shows.
 */
export async function expectNoSeriousAxe(page: Page, label: string): Promise<void> {
  await test.step(`axe-core: ${label}`, async () => {
    // Islands hydrate after the wasm arrives: check the page people use, not
    // the one before its scripts ran. A page still fetching after 5 s is
    // checked as it is.
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
    const results = await analyze(page);
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of results.violations) {
      if (blocking.includes(v)) continue;
      test.info().annotations.push({ type: `axe ${v.impact ?? 'unrated'}`, description: `${label}: ${describe(v)}` });
    }
    expect.soft(blocking.map(describe), `${label} (${page.url()}): serious or critical axe-core violations`).toEqual([]);
  });
}

async function analyze(page: Page) {
  if (test.info().project.use.javaScriptEnabled !== false) {
    return new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  }
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const url = page.url();
  const context = await page.context().browser()!.newContext({
    javaScriptEnabled: true,
    viewport: page.viewportSize() ?? undefined,
  });
  try {
    const twin = await context.newPage();
    await twin.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await twin.goto(url);
    await twin.waitForLoadState('load');
    return await new AxeBuilder({ page: twin }).withTags(WCAG_TAGS).analyze();
  } finally {
    await context.close();
  }
}
