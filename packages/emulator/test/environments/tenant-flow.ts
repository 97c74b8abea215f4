/**
 * One sign-in against `createTenant` with no socket, run by the environment test files (happy-dom,
 * jsdom, node): the package's main entry must import and work wherever unit tests run.
 */
import { expect } from 'vitest';
import { createTenant } from '../../src/index.js';

const BASE = 'http://localhost';
const REDIRECT_URI = 'http://localhost:5173/callback';

async function challengeOf(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  );
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** An authorization request of a default client, with PKCE for `verifier`. */
async function authorizeUrl(clientId: string, scope: string, verifier: string): Promise<URL> {
  const url = new URL('/oauth/authorize', BASE);
  for (const [key, value] of Object.entries({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope,
    state: 'state-1',
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(key, value);
  }
  return url;
}

/** Signs in with a fake clock, lets the token expire by the clock, refreshes, then expires the session. */
export async function signInWithFakeClock(): Promise<void> {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const tenant = createTenant({ autoApprove: true }, { now: () => clock });
  const verifier = 'v'.repeat(43);
  const authorize = await authorizeUrl('demo-native', 'user_default offline_access', verifier);
  const redirect = await tenant.fetch(authorize);
  expect(redirect.status).toBe(302);
  const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
  const tokenRequest = (body: Record<string, string>) =>
    tenant.fetch(`${BASE}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
  const tokens = (await (
    await tokenRequest({
      grant_type: 'authorization_code',
      client_id: 'demo-native',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    })
  ).json()) as { access_token: string; refresh_token: string; expires_at: string };
  expect(Date.parse(tokens.expires_at)).toBe(clock + 21600 * 1000);
  const claims = JSON.parse(
    atob(tokens.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
  ) as { iat: number };
  expect(claims.iat).toBe(clock / 1000);

  const me = (token: string) =>
    tenant.fetch(`${BASE}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(await (await me(tokens.access_token)).json()).toMatchObject({ name: 'Ada Lovelace' });

  // The tenant's clock decides expiry: six hours later the token is refused.
  clock += 21600 * 1000;
  expect((await me(tokens.access_token)).status).toBe(401);
  const refreshed = (await (
    await tokenRequest({
      grant_type: 'refresh_token',
      client_id: 'demo-native',
      refresh_token: tokens.refresh_token,
    })
  ).json()) as { access_token: string };
  expect((await me(refreshed.access_token)).status).toBe(200);

  expect(tenant.expireAccessTokens('user-ada')).toBe(1);
  expect((await me(refreshed.access_token)).status).toBe(401);
  expect(tenant.stats()).toMatchObject({ tokensIssued: 2, refreshes: 1 });
}

/**
 * Signs in, then signs in again with `prompt=none` on the login session cookie: the cookie must
 * leave the tenant and come back even where Set-Cookie and Cookie are forbidden headers at
 * construction (happy-dom, as in a page), so it is read from the response and set on the made
 * request, as a cookie-keeping test browser would.
 */
export async function keepsTheLoginSession(): Promise<void> {
  const tenant = createTenant({ autoApprove: true });
  const authorize = await authorizeUrl('demo-spa', 'user_default', 'v'.repeat(43));
  const first = await tenant.fetch(authorize);
  const cookie = first.headers.getSetCookie()[0]?.split(';')[0];
  expect(cookie).toMatch(/^qlik_emulator_session=/);
  authorize.searchParams.set('prompt', 'none');
  const silent = new Request(authorize);
  silent.headers.set('cookie', cookie!);
  const second = await tenant.fetch(silent);
  const back = new URL(second.headers.get('location')!);
  expect(back.searchParams.get('error')).toBeNull();
  expect(back.searchParams.get('code')).toBeTruthy();
}
