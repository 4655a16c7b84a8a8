// Headless Chromium from Debian's `chromium` package (scripts/chromium/ensure.sh installs it), driven by
// playwright-core: no browser download. Helpers for the console tests and benchmark: launch, the
// axe-core accessibility check (injected from the npm package), screenshots under .tmp/screenshots.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.DAGPACT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join('.tmp', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> }

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations. The script is
 * evaluated through the DevTools protocol, which the page's Content-Security-Policy does not apply to.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Navigates the console to a hash route and waits until that page has rendered. */
export async function openRoute(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    document.getElementById('main')!.removeAttribute('data-ready');
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, hash);
  await page.waitForSelector('main[data-ready]', { timeout: 20_000 });
}
