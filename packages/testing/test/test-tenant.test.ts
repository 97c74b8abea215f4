import { QlikAuthError, createQlikAuth, type QlikAuth } from '@qlik-auth/core';
import type { EmulatedTenant } from '@qlik-auth/emulator';
import { createHandlers } from '@qlik-auth/emulator/msw';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestTenant } from '../src/index.js';

const clients: QlikAuth[] = [];
afterEach(() => {
  for (const auth of clients.splice(0)) auth.destroy();
});

/** A signed-in client, destroyed after the test. */
async function signedIn(tenant: ReturnType<typeof createTestTenant>, userId: string) {
  const auth = await tenant.signIn(userId);
  clients.push(auth);
  return auth;
}

/** The rejection of a promise, for asserting on its fields. */
async function rejectionOf(promise: Promise<unknown>): Promise<QlikAuthError> {
  try {
    await promise;
  } catch (error) {
    return error as QlikAuthError;
  }
  throw new Error('expected a rejection');
}

const me = async (auth: QlikAuth) => (await auth.fetch('/api/v1/users/me')).json();

/**
 * A silent sign-in (`prompt=none`) of a new client through the tenant's browser: `code` when the
 * tenant's login session let it through, else the error the tenant redirected with.
 */
async function silentSignIn(tenant: ReturnType<typeof createTestTenant>): Promise<string> {
  let authorizeUrl = '';
  const auth = createQlikAuth(tenant.clientOptions({ navigate: (url) => (authorizeUrl = url) }));
  clients.push(auth);
  await auth.signIn({ prompt: 'none', loginHint: 'ada' });
  const back = new URL(await tenant.authorize(authorizeUrl));
  return back.searchParams.get('error') ?? (back.searchParams.has('code') ? 'code' : 'nothing');
}

describe('createTestTenant().signIn', () => {
  it('returns a real client, signed in as the user, through the whole redirect round trip', async () => {
    const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
    const auth = await signedIn(tenant, 'ada');
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      user: { subject: 'emulator|ada', id: 'ada', name: 'Ada Lovelace' },
      // The default client is a single-page app: the tenant leaves offline_access out.
      scopes: ['user_default'],
    });
    expect(await me(auth)).toMatchObject({ id: 'ada', name: 'Ada Lovelace' });
    const paths = tenant.requests().map((entry) => `${entry.method} ${entry.path}`);
    expect(paths).toEqual([
      'GET /.well-known/oauth-authorization-server',
      'GET /oauth/authorize',
      'POST /oauth/token',
      // the client's own, at sign-in, for the user's name: a redirect to the user's record
      'GET /api/v1/users/me',
      'GET /api/v1/users/ada',
      'GET /api/v1/users/me', // the test's
      'GET /api/v1/users/ada',
    ]);
  });

  it('signs in each user on their own grant', async () => {
    const tenant = createTestTenant();
    const ada = await signedIn(tenant, 'ada');
    const alan = await signedIn(tenant, 'alan');
    expect((await me(ada)).name).toBe('Ada Lovelace');
    expect((await me(alan)).name).toBe('Alan Turing');
  });

  it('rejects for a user the tenant refuses, with the tenant’s error', async () => {
    const tenant = createTestTenant({ users: [{ id: 'ada' }, { id: 'eve', disabled: true }] });
    const error = await rejectionOf(tenant.signIn('eve'));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error.status).toBe(403);
  });

  it('rejects for a user the tenant does not have, instead of signing in another', async () => {
    const tenant = createTestTenant();
    await expect(tenant.signIn('bob')).rejects.toThrow('no user with id "bob"');
    expect(tenant.requests()).toEqual([]);
  });

  it('gives purpose tokens for the engine socket and web resources', async () => {
    const tenant = createTestTenant();
    const auth = await signedIn(tenant, 'ada');
    expect(await auth.webSocketUrl('app-1')).toMatch(
      /^ws:\/\/localhost:8787\/app\/app-1\?.*accessToken=ey/,
    );
  });
});

describe('the client type', () => {
  it('is a single-page app by default, which is never given offline_access or a refresh token', async () => {
    const tenant = createTestTenant();
    expect(tenant.appType).toBe('spa');
    expect(tenant.clientId).toBe('test-spa');
    expect(tenant.config().clients).toMatchObject([{ clientId: 'test-spa', appType: 'spa' }]);
    const auth = await signedIn(tenant, 'ada');
    expect(auth.getSnapshot().scopes).toEqual(['user_default']);
    // Nothing to refresh with: a forced renewal sends no refresh grant.
    await auth.getToken({ forceRefresh: true }).catch(() => {});
    expect(tenant.stats().refreshes).toBe(0);
    expect(tenant.requests().filter((entry) => entry.grantType === 'refresh_token')).toEqual([]);
  });

  it('is a native client with appType native, which gets a refresh token and refreshes', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    expect(tenant.clientId).toBe('test-native');
    expect(tenant.config().clients).toMatchObject([{ clientId: 'test-native', appType: 'native' }]);
    const auth = await signedIn(tenant, 'ada');
    expect(auth.getSnapshot().scopes).toEqual(['user_default', 'offline_access']);
    const before = await auth.getToken();
    expect(await auth.getToken({ forceRefresh: true })).not.toBe(before);
    expect(tenant.stats().refreshes).toBe(1);
  });
});

describe('the controls a test drives', () => {
  // A refusal needs something to refuse: a native client's refresh token.
  it('expireSession: the user’s clients with a refresh token become signedOut with session_expired', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    const ada = await signedIn(tenant, 'ada');
    const alan = await signedIn(tenant, 'alan');
    await tenant.expireSession('ada');
    expect(ada.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    expect(alan.getSnapshot().status).toBe('signedIn');
    expect((await rejectionOf(ada.getToken())).code).toBe('not_signed_in');
  });

  it('expireSession: an spa client is signed out too, and its login session is over', async () => {
    const tenant = createTestTenant();
    const auth = await signedIn(tenant, 'ada');
    expect(await silentSignIn(tenant)).toBe('code');
    const sent = tenant.requests().length;
    await tenant.expireSession('ada');
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    // Nothing could renew it: no token request was made.
    expect(
      tenant
        .requests()
        .slice(sent)
        .filter((r) => r.path === '/oauth/token'),
    ).toEqual([]);
    expect(await silentSignIn(tenant)).toBe('login_required');
  });

  it('endLoginSessions: prompt=none answers login_required, and the tokens keep working', async () => {
    const tenant = createTestTenant();
    const auth = await signedIn(tenant, 'ada');
    expect(await silentSignIn(tenant)).toBe('code');
    expect(tenant.endLoginSessions('ada')).toBe(1);
    expect(await silentSignIn(tenant)).toBe('login_required');
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(tenant.endLoginSessions('alan')).toBe(0);
  });

  it('keeps the login session between sign-ins, as one browser, until it times out', async () => {
    let time = Date.parse('2030-01-01T00:00:00Z');
    const tenant = createTestTenant({ now: () => time });
    await signedIn(tenant, 'ada');
    time += 29 * 60_000;
    expect(await silentSignIn(tenant)).toBe('code');
    // Qlik Cloud's default inactivity timeout: 30 minutes.
    time += 30 * 60_000;
    expect(await silentSignIn(tenant)).toBe('login_required');
  });

  it('expireAccessTokens: the API answers 401 once, the client refreshes and carries on', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    const auth = await signedIn(tenant, 'ada');
    const before = await auth.getToken();
    expect(tenant.expireAccessTokens('ada')).toBe(1);
    const response = await auth.fetch('/api/v1/users/me');
    expect(response.status).toBe(200);
    expect(await auth.getToken()).not.toBe(before);
    expect(tenant.stats().refreshes).toBe(1);
  });

  it('revokeUser: the next refresh is refused and the session ends', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    const auth = await signedIn(tenant, 'ada');
    expect(tenant.revokeUser('ada')).toBe(1);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(401);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
  });

  it('a refused refresh (a fault on the token endpoint) ends the session', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    const auth = await signedIn(tenant, 'ada');
    tenant.addFault({
      path: '/oauth/token',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'refused' },
    });
    const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
    expect(error).toMatchObject({ code: 'session_expired', status: 400 });
  });

  it('a failing network: dropped connections are network errors, and the session stays', async () => {
    const tenant = createTestTenant();
    const auth = await signedIn(tenant, 'ada');
    tenant.addFault({ path: '/api/*', drop: true, times: 1 });
    await expect(auth.fetch('/api/v1/users/me')).rejects.toThrow();
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
  });

  it('a slow network: a delay fault holds the answer back', async () => {
    const tenant = createTestTenant();
    const auth = await signedIn(tenant, 'ada');
    tenant.addFault({ path: '/api/v1/users/me', delayMs: 40, times: 1 });
    const started = performance.now();
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('an API answering 401: the client retries once with a refreshed token, then hands back the 401', async () => {
    const tenant = createTestTenant({ appType: 'native' });
    const auth = await signedIn(tenant, 'ada');
    tenant.addFault({ path: '/api/v1/items', status: 401 });
    expect((await auth.fetch('/api/v1/items')).status).toBe(401);
    const items = tenant.requests().filter((entry) => entry.path === '/api/v1/items');
    expect(items).toHaveLength(2);
    expect(auth.getSnapshot().status).toBe('signedIn');
  });

  it('authorize with deny: the app gets the access_denied error redirect', async () => {
    const tenant = createTestTenant();
    let authorizeUrl = '';
    const auth = createQlikAuth(tenant.clientOptions({ navigate: (url) => (authorizeUrl = url) }));
    clients.push(auth);
    await auth.signIn();
    const back = new URL(await tenant.authorize(authorizeUrl, { deny: true }));
    expect(back.searchParams.get('error')).toBe('access_denied');
    const error = await rejectionOf(auth.handleRedirectCallback(back));
    expect(error.code).toBe('authorization_error');
    expect(tenant.config().autoApprove).toBe(true);
  });

  it('runs on the test’s clock: tokens expire when the clock says so', async () => {
    let time = Date.parse('2030-01-01T00:00:00Z');
    const tenant = createTestTenant({
      now: () => time,
      accessTokenTtlSeconds: 600,
      appType: 'native',
    });
    const auth = await signedIn(tenant, 'ada');
    expect(auth.getSnapshot().expiresAt).toBe(time + 600_000);
    const first = await auth.getToken();
    time += 600_000;
    expect(await auth.getToken()).not.toBe(first);
    expect(tenant.stats().refreshes).toBe(1);
  });
});

describe('a test tenant is an emulated tenant', () => {
  it('goes where the emulator’s own handle goes: its controls, its handler, MSW', async () => {
    const tenant: EmulatedTenant = createTestTenant();
    const response = await tenant.fetch(
      'http://localhost:8787/.well-known/oauth-authorization-server',
    );
    expect((await response.json()).issuer).toBe('http://localhost:8787');
    expect(tenant.expireAccessTokens('ada')).toBe(0);
    expect(createHandlers(tenant, { baseUrl: 'http://localhost:8787' })).toHaveLength(2);
  });
});
