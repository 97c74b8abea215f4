import { expect, test } from '@playwright/test';
import { EMULATOR, emulatorControl } from './support/emulator.js';

const DEMO = 'http://localhost:5173/';
const demoOrigin = new URL(DEMO).origin;

test.describe('React demo on @qlik-auth/react against the emulator', () => {
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('the whole journey: sign-in, reload, background refresh, thumbnails, engine, sign-out', async ({
    page,
    request,
  }, testInfo) => {
    const control = emulatorControl(request);
    // Short-lived access tokens, so a background refresh happens while we watch. On
    // demo-native, which gets a refresh token (demo-spa, a single-page app, gets none); the
    // demo keeps ?client= for the tab, through the sign-in.
    await control.configure({ accessTokenTtlSeconds: 12 });

    await page.goto(`${DEMO}?client=demo-native`);
    await expect(page.getByTestId('landing')).toBeVisible();
    await page.getByTestId('sign-in').click();
    await page.waitForURL((url) => url.origin === EMULATOR);
    await page.getByLabel(/Ada Lovelace/).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === demoOrigin);
    await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedIn');
    await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');
    expect(new URL(page.url()).searchParams.has('code')).toBe(false);

    // A reload keeps the session: no new sign-in and no code exchange.
    await control.clearRequests();
    await page.reload();
    await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');
    const afterReload = await control.requests();
    expect(afterReload.filter((e) => e.path === '/oauth/authorize')).toEqual([]);
    expect(afterReload.filter((e) => e.grantType === 'authorization_code')).toEqual([]);

    // Thumbnails load through webresource-token URLs (the emulator refuses any other token).
    const thumbnails = page.getByTestId('app-thumbnail');
    await expect(thumbnails).toHaveCount(3);
    for (const thumbnail of await thumbnails.all()) {
      await expect(thumbnail).toHaveAttribute('data-loaded', 'true');
      expect(await thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
        0,
      );
      expect(await thumbnail.getAttribute('src')).toContain('accessToken=');
    }

    // The engine WebSocket opens with a websocket-purpose token and returns the app's layout.
    await page.getByTestId('open-app').first().click();
    await expect(page.getByTestId('engine-panel')).toHaveAttribute('data-status', 'open');
    await expect(page.getByTestId('engine-title')).toHaveText('Sales Overview');

    // The access token renews in the background, with one refresh per cycle.
    await expect(page.getByTestId('token-renewals')).not.toHaveAttribute('data-count', '0', {
      timeout: 20_000,
    });
    const refreshes = (await control.requests()).filter((e) => e.grantType === 'refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes.every((e) => e.status === 200)).toBe(true);
    expect((await control.stats()).reuseDetections).toBe(0);
    await expect(page.getByTestId('errors-panel')).toHaveAttribute('data-count', '0');

    const screenshot = testInfo.outputPath('demo-signed-in.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await testInfo.attach('demo signed in', { path: screenshot, contentType: 'image/png' });

    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('landing')).toBeVisible();
    await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedOut');
  });
});
