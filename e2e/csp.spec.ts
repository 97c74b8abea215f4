import { expect, test, type Page } from '@playwright/test';
import { EMULATOR, emulatorControl } from './support/emulator.js';
import { startPreview } from './support/preview.js';

/**
 * The production builds of the example apps run under their strict Content-Security-Policy
 * (apps/content-security-policy.ts) with no violation: sign-in, REST calls with the access token,
 * webresource-token images, the engine WebSocket and qlik-embed's charts all stay within it.
 */

/** What the page reports about the policy: violation events, and console messages. */
async function watchPolicy(page: Page, appOrigin: string) {
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  // Installed by the browser before any script of the page, and not subject to its policy.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${location.origin} ${event.effectiveDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  page.on('console', (message) => {
    const from = message.location().url;
    if (/Content[- ]Security[- ]Policy/i.test(message.text()) && from.startsWith(appOrigin)) {
      violations.push(`console: ${message.text()}`);
    }
  });
  // Only the app's own pages count: the emulator's login page has a policy of its own.
  return () => violations.filter((v) => v.startsWith('console:') || v.startsWith(appOrigin));
}

/** Proves the policy is delivered both ways, so "no violation" is not the absence of a policy. */
async function expectPolicy(page: Page, url: string) {
  const response = await page.goto(url);
  const header = response!.headers()['content-security-policy'];
  expect(header).toContain("script-src 'self'");
  expect(header).toContain(`connect-src 'self' ${EMULATOR}`);
  expect(header).toContain("frame-ancestors 'none'");
  const meta = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  expect(meta).toContain("script-src 'self'");
  expect(header).not.toContain('unsafe-inline');
  expect(meta).not.toContain('unsafe-inline');
}

/** The policy is enforced: an inline script added now is refused, and reported. */
async function expectEnforced(page: Page, violations: () => string[]) {
  const before = violations().length;
  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.body.append(script);
    return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
  });
  expect(ran).toBe(false);
  // Reported once per policy that forbids it (the <meta> one and the header's).
  await expect
    .poll(() => violations().slice(before))
    .toContainEqual(expect.stringContaining('script-src-elem blocked inline'));
}

async function signInOnEmulator(page: Page, appOrigin: string) {
  await page.waitForURL((url) => url.origin === EMULATOR);
  await page.getByLabel(/Ada Lovelace/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === appOrigin);
}

test.describe('production builds under a strict Content-Security-Policy', () => {
  // Each test builds its app first: that takes minutes on a loaded machine.
  test.setTimeout(300_000);

  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('the mashup signs in, calls the tenant and opens the engine with zero violations', async ({
    page,
  }) => {
    const preview = await startPreview('mashup', 4174);
    try {
      const appOrigin = new URL(preview.url).origin;
      const violations = await watchPolicy(page, appOrigin);
      await expectPolicy(page, preview.url);
      await page.getByRole('button', { name: 'Sign in with Qlik Cloud' }).click();
      await signInOnEmulator(page, appOrigin);
      await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
      // auth.fetch with the access token.
      await expect(page.locator('#user-name')).toHaveText('Ada Lovelace');
      await expect(page.locator('#apps-status')).toHaveAttribute('data-state', 'loaded');
      // Images from webresource-token URLs on the tenant.
      const thumbnails = page.getByTestId('app-thumbnail');
      await expect(thumbnails.first()).toHaveAttribute('data-state', 'loaded');
      // The engine WebSocket with a websocket-purpose token.
      const first = page.getByTestId('app').first();
      await first.getByRole('button', { name: /^Open / }).click();
      await expect(first).toHaveAttribute('data-engine', 'open');
      // qlik-embed's web component: its runtime and UI module from the tenant, its own style.
      await page.getByRole('button', { name: 'Show a chart' }).click();
      await expect(page.locator('#embed [data-qlik-embed-stand-in]')).toHaveAttribute(
        'data-state',
        'ready',
      );
      expect(violations()).toEqual([]);
      await expectEnforced(page, violations);
    } finally {
      await preview.close();
    }
  });

  test('the React demo signs in, calls the tenant and opens the engine with zero violations', async ({
    page,
  }) => {
    const preview = await startPreview('demo', 4173);
    try {
      const appOrigin = new URL(preview.url).origin;
      const violations = await watchPolicy(page, appOrigin);
      await expectPolicy(page, preview.url);
      await page.getByTestId('sign-in').click();
      await signInOnEmulator(page, appOrigin);
      await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedIn');
      await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');
      const thumbnails = page.getByTestId('app-thumbnail');
      await expect(thumbnails).toHaveCount(3);
      await expect(thumbnails.first()).toHaveAttribute('data-loaded', 'true');
      await page.getByTestId('open-app').first().click();
      await expect(page.getByTestId('engine-panel')).toHaveAttribute('data-status', 'open');
      // @qlik/embed-react's chart: its runtime and UI module from the tenant.
      await expect(
        page.getByTestId('qlik-embed-card').locator('[data-qlik-embed-stand-in]'),
      ).toHaveAttribute('data-state', 'ready');
      await expect(page.getByTestId('errors-panel')).toHaveAttribute('data-count', '0');
      expect(violations()).toEqual([]);
      await expectEnforced(page, violations);
    } finally {
      await preview.close();
    }
  });
});
