import { expect, test, type Page } from '@playwright/test';
import { EMULATOR, emulatorControl, pkce } from './support/emulator.js';
import { startStaticApp } from './support/static-app.js';

// A stand-in for an app on a registered origin: the emulator's default clients `demo-spa` (a
// single-page app) and `demo-native` (a public native client) allow http://localhost:4173 and
// redirect to its callback page, http://localhost:4173/callback.
const APP_PORT = 4173;
const APP_ORIGIN = `http://localhost:${APP_PORT}`;

test.describe('emulator login page in Chromium', () => {
  let app: Awaited<ReturnType<typeof startStaticApp>>;
  test.beforeAll(async () => {
    app = await startStaticApp(APP_PORT);
  });
  test.afterAll(async () => {
    await app.close();
  });
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  function authorizeUrl(challenge: string, state: string, clientId = 'demo-spa'): string {
    const url = new URL('/oauth/authorize', EMULATOR);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: `${APP_ORIGIN}/callback`,
      response_type: 'code',
      scope: 'user_default offline_access',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  }

  /**
   * Alan signs in on the login page for `clientId` (asking for `user_default offline_access`), and
   * the app redeems the code from its own origin, so Chromium enforces the emulator's CORS.
   */
  async function signInAndRedeem(page: Page, clientId: string) {
    const { verifier, challenge } = pkce();
    await page.goto(authorizeUrl(challenge, 'state-1', clientId));
    await expect(
      page.getByRole('heading', { name: 'Sign in to the emulated tenant' }),
    ).toBeVisible();
    const askedFor = await page.locator('ul code').allTextContents();
    await page.getByLabel(/Alan Turing/).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === APP_ORIGIN);

    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe('state-1');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();

    const redeemed = await page.evaluate(
      async ({ emulator, code, verifier, redirectUri, clientId }) => {
        const tokenResponse = await fetch(`${emulator}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: clientId,
            code,
            code_verifier: verifier,
            redirect_uri: redirectUri,
          }),
        });
        const tokens = await tokenResponse.json();
        const meResponse = await fetch(`${emulator}/api/v1/users/me`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        return {
          tokenType: tokens.token_type,
          scope: tokens.scope,
          hasRefresh: !!tokens.refresh_token,
          me: await meResponse.json(),
        };
      },
      {
        emulator: EMULATOR,
        code: code!,
        verifier,
        redirectUri: `${APP_ORIGIN}/callback`,
        clientId,
      },
    );
    return { askedFor, ...redeemed };
  }

  test('signs a user in through the login page and the app redeems the code cross-origin', async ({
    page,
    request,
  }) => {
    const outcome = await signInAndRedeem(page, 'demo-native');
    expect(outcome.tokenType).toBe('bearer');
    expect(outcome.askedFor).toEqual(['user_default', 'offline_access']);
    expect(outcome.scope).toBe('user_default offline_access');
    expect(outcome.hasRefresh).toBe(true);
    expect(outcome.me.name).toBe('Alan Turing');

    const log = await emulatorControl(request).requests();
    expect(log.filter((entry) => entry.path === '/oauth/token')).toEqual([
      expect.objectContaining({ method: 'POST', grantType: 'authorization_code', status: 200 }),
    ]);
  });

  test('a single-page app asking for offline_access is signed in without it: no refresh token', async ({
    page,
  }) => {
    const outcome = await signInAndRedeem(page, 'demo-spa');
    // The login page does not offer it, and the tenant does not grant it.
    expect(outcome.askedFor).toEqual(['user_default']);
    expect(outcome.scope).toBe('user_default');
    expect(outcome.hasRefresh).toBe(false);
    expect(outcome.me.name).toBe('Alan Turing');
  });

  test('a denied sign-in returns to the app with access_denied, error_code and state', async ({
    page,
  }) => {
    const { challenge } = pkce();
    await page.goto(authorizeUrl(challenge, 'state-2'));
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.origin === APP_ORIGIN);
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_code')).toBe('EMULATOR-ACCESS_DENIED');
    expect(callback.searchParams.get('state')).toBe('state-2');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  test('a page on an origin the tenant does not allow cannot call the token endpoint', async ({
    page,
  }) => {
    const other = await startStaticApp(5999);
    await page.goto(other.origin);
    const outcome = await page.evaluate(async (emulator) => {
      try {
        await fetch(`${emulator}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x' }),
        });
        return 'answered';
      } catch (error) {
        return (error as Error).name;
      }
    }, EMULATOR);
    await other.close();
    expect(outcome).toBe('TypeError');
  });
});
