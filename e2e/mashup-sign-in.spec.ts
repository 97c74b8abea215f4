import { expect, test, type Page } from '@playwright/test';
import { EMULATOR, emulatorControl } from './support/emulator.js';
import { HARNESS } from './support/harness.js';
import { captureTokens, dumpBrowserStorage } from './support/tokens.js';

const MASHUP = 'http://localhost:5174/';
/**
 * The mashup on the emulator's native client, `demo-native`, which gets refresh tokens (the page
 * keeps `?client=` for the tab); `demo-spa`, its default, is a single-page app and gets none.
 */
const NATIVE_MASHUP = `${MASHUP}?client=demo-native`;

async function signIn(page: Page, user = /Ada Lovelace/, url = MASHUP): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Sign in with Qlik Cloud' }).click();
  await page.waitForURL((url) => url.origin === EMULATOR);
  await page.getByLabel(user).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === new URL(MASHUP).origin);
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
}

test.describe('mashup on @qlik-auth/core against the emulator', () => {
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('signs in through the login page and shows the user and the token expiry', async ({
    page,
  }) => {
    const tokens = captureTokens(page);
    await signIn(page);
    // demo-spa is a single-page app: the tenant issued it no refresh token.
    expect(tokens.access.length).toBeGreaterThan(0);
    expect(tokens.refresh).toEqual([]);
    await expect(page.locator('#user-name')).toHaveText('Ada Lovelace');
    await expect(page.locator('#expires')).toBeVisible();
    // code and state left the address bar
    const url = new URL(page.url());
    expect(url.searchParams.has('code')).toBe(false);
    expect(url.searchParams.has('state')).toBe(false);
  });

  test('a reload stays signed in without a token request', async ({ page, request }) => {
    const control = emulatorControl(request);
    await signIn(page);
    await control.clearRequests();
    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    await expect(page.locator('#user-name')).toHaveText('Ada Lovelace');
    const log = await control.requests();
    // The session comes back from IndexedDB: no sign-in, no code exchange, no refresh.
    expect(log.filter((entry) => entry.path === '/oauth/authorize')).toEqual([]);
    const tokenRequests = log.filter((entry) => entry.path === '/oauth/token');
    // The only token requests are the page's thumbnails asking for a webresource token
    // (purpose tokens live in memory only, by design).
    expect(tokenRequests.every((entry) => entry.purpose === 'webresource')).toBe(true);
    expect(tokenRequests.filter((entry) => entry.grantType === 'refresh_token')).toEqual([]);
  });

  test('the snapshot user comes from users/me (a redirect to the user) after sign-in and after a reload', async ({
    page,
    request,
  }) => {
    const control = emulatorControl(request);
    // The harness: the core alone, its snapshot on window.harness.
    await page.goto(HARNESS);
    await page.waitForFunction(() => window.harness?.auth.getSnapshot().status === 'signedOut');
    await page.evaluate(() => void window.harness.auth.signIn());
    await page.waitForURL((url) => url.origin === EMULATOR);
    await page.getByLabel(/Ada Lovelace/).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    const user = () => page.evaluate(() => window.harness.auth.getSnapshot().user);
    // Qlik-shaped tokens carry no identity: the core asked users/me, which the tenant answered
    // with a redirect to the user's record, and the browser followed it across origins (CORS,
    // a second preflight for the Authorization header).
    expect(await user()).toMatchObject({ id: 'user-ada', name: 'Ada Lovelace' });
    const log = await control.requests();
    expect(log.some((e) => e.path === '/api/v1/users/me' && e.status === 302)).toBe(true);
    expect(
      log.some(
        (e) => e.method === 'GET' && e.path === '/api/v1/users/user-ada' && e.status === 200,
      ),
    ).toBe(true);
    await page.reload();
    await page.waitForFunction(() => window.harness?.auth.getSnapshot().status === 'signedIn');
    expect(await user()).toMatchObject({ id: 'user-ada', name: 'Ada Lovelace' });
  });

  test('sign-out revokes: the old refresh token is refused afterwards', async ({
    page,
    request,
  }) => {
    const tokens = captureTokens(page);
    await signIn(page, undefined, NATIVE_MASHUP);
    expect(tokens.refresh).toHaveLength(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    await expect
      .poll(
        async () =>
          (await emulatorControl(request).requests()).filter(
            (e) => e.path === '/oauth/revoke' && e.status === 200,
          ).length,
      )
      .toBeGreaterThanOrEqual(1);
    const refused = await request.post(`${EMULATOR}/oauth/token`, {
      form: {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh[0]!,
        client_id: 'demo-native',
      },
    });
    expect(refused.status()).toBe(401);
    const me = await request.get(`${EMULATOR}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${tokens.access[0]}` },
    });
    expect(me.status()).toBe(401);
    // and a reload does not bring the session back
    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  });

  test('a denied sign-in shows its typed error', async ({ page }) => {
    await page.goto(MASHUP);
    await page.getByRole('button', { name: 'Sign in with Qlik Cloud' }).click();
    await page.waitForURL((url) => url.origin === EMULATOR);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.origin === new URL(MASHUP).origin);
    await expect(page.locator('#error')).toBeVisible();
    await expect(page.locator('#error')).toHaveAttribute('data-code', 'authorization_error');
    await expect(page.locator('#error-message')).toContainText('access_denied');
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    expect(new URL(page.url()).searchParams.has('error')).toBe(false);
  });

  test('after sign-in no token is in localStorage, sessionStorage, cookies, the URL or plain IndexedDB', async ({
    page,
  }) => {
    const tokens = captureTokens(page);
    // On demo-native, so that there is a refresh token to look for too.
    await signIn(page, undefined, NATIVE_MASHUP);
    await expect(page.locator('#user-name')).toHaveText('Ada Lovelace');
    expect(tokens.access.length).toBeGreaterThan(0);
    expect(tokens.refresh.length).toBeGreaterThan(0);
    const everything = await dumpBrowserStorage(page);
    // The dump did reach the library's IndexedDB records (so the search below means something).
    expect(everything).toContain('databases');
    expect(everything).toMatch(/base64/);
    for (const token of [...tokens.access, ...tokens.refresh]) {
      expect(everything).not.toContain(token);
      // nor any long piece of it
      expect(everything).not.toContain(token.slice(-24));
    }
  });
});
