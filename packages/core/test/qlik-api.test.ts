// @vitest-environment node
// @qlik/api in Node, on a qlik-auth session, against a real emulator over HTTP: the module is
// exercised through @qlik/api itself (its REST client, its 401 handling), not called by hand.
import { auth as qlikApi, items, qix, users } from '@qlik/api';
import type { HostConfig } from '@qlik/api/auth';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQlikAuth, QlikAuthError, type QlikAuth } from '../src/index.js';
import { qlikApiAuthModule } from '../src/qlik-api.js';

// The default config's native client: what is tested here is refreshing behind @qlik/api, which
// takes a refresh token, and Qlik Cloud gives none to a single-page app (demo-spa).
/** The emulator's native client (refresh tokens) and its single-page-app client (none). */
const CLIENT_ID = 'demo-native';
const SPA_CLIENT_ID = 'demo-spa';
const REDIRECT_URI = 'http://localhost:5173/callback';
const HOUR = 3600_000;

/** One clock for the tenant and the client, moved by hand: expiry without sleeping. */
const clock = { time: Date.parse('2030-01-01T00:00:00Z') };
const now = () => clock.time;

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, now, config: { autoApprove: true } });
});
afterAll(() => emulator.close());

const instances: QlikAuth[] = [];
afterEach(() => {
  for (const instance of instances.splice(0)) instance.destroy();
});

/** The emulator's control API (`/__emulator/...`). */
async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/__emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(response.ok, `${method} ${path}`).toBe(true);
  return response.json();
}

interface LogEntry {
  path: string;
  status?: number;
  grantType?: string;
}
const requestLog = async () => ((await control('GET', '/requests')) as { data: LogEntry[] }).data;
const refreshGrants = async () =>
  (await requestLog()).filter((entry) => entry.grantType === 'refresh_token');

/**
 * A QlikAuth signed in as Ada by the whole authorization code flow (the emulator approves at
 * once), and a host config of @qlik/api that uses it through a module registered under a name
 * of this test's own (@qlik/api's registry is global).
 */
async function signedIn({
  clientId = CLIENT_ID,
  scopes = ['user_default', 'offline_access'],
} = {}): Promise<{ auth: QlikAuth; hostConfig: HostConfig; followRedirect(): Promise<void> }> {
  let navigatedTo = '';
  /** The browser's login session at the tenant, which a `prompt=none` request relies on. */
  let cookie = '';
  const auth = createQlikAuth({
    host: emulator.url,
    clientId,
    redirectUri: REDIRECT_URI,
    scopes,
    storage: 'memory',
    now,
    navigate: (url) => void (navigatedTo = url),
    onWarning: () => {},
  });
  instances.push(auth);
  /** The browser at the authorization endpoint, and back on the redirect URI. */
  async function followRedirect(): Promise<void> {
    const authorize = await fetch(navigatedTo, { redirect: 'manual', headers: { cookie } });
    expect(authorize.status).toBe(302);
    cookie = authorize.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    await auth.handleRedirectCallback(authorize.headers.get('location')!);
  }
  await auth.signIn({ loginHint: 'ada@example.com', returnTo: '/' });
  await followRedirect();
  expect(auth.getSnapshot().status).toBe('signedIn');
  const authType = `qlik-auth-${instances.length}-${Math.random().toString(36).slice(2)}`;
  qlikApi.registerAuthModule(authType as 'qlik-auth', qlikApiAuthModule(auth));
  await control('DELETE', '/requests');
  return {
    auth,
    hostConfig: { host: emulator.url, authType: authType as 'qlik-auth' },
    followRedirect,
  };
}

/** A promise's rejection. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('@qlik/api on qlikApiAuthModule (Node)', () => {
  it('reads the signed-in user and the items with the access token as Bearer', async () => {
    const { hostConfig } = await signedIn();
    const { data: me } = await users.getMyUser({ hostConfig, noCache: true });
    expect(me).toMatchObject({ id: 'user-ada', email: 'ada@example.com' });
    const { data: list } = await items.getItems(
      { resourceType: 'app' },
      { hostConfig, noCache: true },
    );
    expect(list.data?.map((item) => item.name)).toContain('Sales Overview');
    // Bearer, not cookies: no token grant was needed for either call.
    expect((await requestLog()).filter((entry) => entry.path === '/oauth/token')).toEqual([]);
  });

  it('gives the access token as a Bearer header for the engine socket in Node', async () => {
    const { auth, hostConfig } = await signedIn();
    const params = await qlikApiAuthModule(auth).getWebSocketAuthParams({ hostConfig });
    expect(params).toEqual({ headers: { Authorization: `Bearer ${await auth.getToken()}` } });
    expect(params.queryParams).toBeUndefined();
  });

  it('opens an app session over the engine socket with the Bearer header and reads its layout', async () => {
    const { hostConfig } = await signedIn();
    const session = qix.openAppSession({
      appId: 'a1b2c3d4-0001-4000-8000-000000000001',
      hostConfig,
    });
    try {
      const layout = await (await session.getDoc()).getAppLayout();
      expect(layout.qTitle).toBe('Sales Overview');
    } finally {
      await session.close({ websocketCloseDelay: 0 });
    }
    // The socket took the access token itself: no purpose token was exchanged for it.
    expect((await requestLog()).filter((entry) => entry.path === '/oauth/token')).toEqual([]);
  });

  it('gives web resource URLs the cached webresource token, which loads a thumbnail', async () => {
    const { auth, hostConfig } = await signedIn();
    const first = await qlikApi.getWebResourceAuthParams({ hostConfig });
    const second = await qlikApi.getWebResourceAuthParams({ hostConfig });
    expect(first.queryParams.accessToken).toBe(await auth.getToken({ purpose: 'webresource' }));
    expect(second).toEqual(first);
    const exchanges = (await requestLog()).filter((entry) => entry.grantType?.includes('exchange'));
    expect(exchanges).toHaveLength(1);
    const thumbnail = new URL(
      '/api/v1/apps/a1b2c3d4-0001-4000-8000-000000000001/media/thumbnail',
      emulator.url,
    );
    thumbnail.searchParams.set('accessToken', first.queryParams.accessToken!);
    const response = await fetch(thumbnail);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\//);
  });

  it('refreshes an expired access token once before the next call, and not again', async () => {
    const { hostConfig } = await signedIn();
    clock.time += 7 * HOUR; // past the emulator's 6-hour access tokens
    const [a, b] = await Promise.all([
      users.getMyUser({ hostConfig, noCache: true }),
      items.getItems({}, { hostConfig, noCache: true }),
    ]);
    expect(a.data.id).toBe('user-ada');
    expect(b.status).toBe(200);
    await users.getMyUser({ hostConfig, noCache: true });
    expect(await refreshGrants()).toHaveLength(1);
    // Nothing was refused: the token was renewed ahead of the calls, not after a 401.
    expect((await requestLog()).filter((entry) => entry.status === 401)).toEqual([]);
  });

  it('after a 401 refreshes once (forced) and retries, for every call of a burst', async () => {
    const { auth, hostConfig } = await signedIn();
    const before = await auth.getToken();
    // The tenant refuses three calls made with the same token as if it had been revoked there:
    // one at once, two after the refresh that the first one caused has finished.
    await control('POST', '/faults', { path: '/api/v1/users/me', status: 401, times: 1 });
    await control('POST', '/faults', {
      path: '/api/v1/users/me',
      status: 401,
      delayMs: 300,
      times: 2,
    });
    const calls = await Promise.all(
      [1, 2, 3].map(() => users.getMyUser({ hostConfig, noCache: true })),
    );
    expect(calls.map((call) => call.data.id)).toEqual(['user-ada', 'user-ada', 'user-ada']);
    const refreshes = await refreshGrants();
    expect(refreshes).toHaveLength(1);
    const refused = (await requestLog()).filter((entry) => entry.status === 401);
    expect(refused).toHaveLength(3);
    expect(await auth.getToken()).not.toBe(before);
    await control('DELETE', '/faults');
  });

  it('after a 401 retries with a token renewed meanwhile, without refreshing again', async () => {
    const { auth, hostConfig } = await signedIn();
    const before = await auth.getToken();
    // The call is refused, slowly; meanwhile the session is renewed (as another tab would).
    await control('POST', '/faults', {
      path: '/api/v1/users/me',
      status: 401,
      delayMs: 300,
      times: 1,
    });
    const call = users.getMyUser({ hostConfig, noCache: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const renewed = await auth.getToken({ forceRefresh: true });
    expect(renewed).not.toBe(before);
    expect((await call).data.id).toBe('user-ada');
    expect(await refreshGrants()).toHaveLength(1);
    await control('DELETE', '/faults');
  });

  it('when a retried call is refused again, rejects with the tenant answer and refreshes no more', async () => {
    const { hostConfig } = await signedIn();
    await control('POST', '/faults', { path: '/api/v1/users/me', status: 401, times: 2 });
    const error = await rejectionOf(users.getMyUser({ hostConfig, noCache: true }));
    expect(error).toMatchObject({ status: 401 });
    expect(await refreshGrants()).toHaveLength(1);
    await control('DELETE', '/faults');
  });

  it('after a revocation rejects once with session_expired, then with not_signed_in and no request', async () => {
    const { auth, hostConfig } = await signedIn();
    await control('POST', '/users/user-ada/revoke');
    const error = await rejectionOf(users.getMyUser({ hostConfig, noCache: true }));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({ code: 'session_expired', retryable: false });
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    expect(await refreshGrants()).toHaveLength(1);

    const sent = (await requestLog()).length;
    const again = await rejectionOf(items.getItems({}, { hostConfig, noCache: true }));
    expect(again).toBeInstanceOf(QlikAuthError);
    expect(again).toMatchObject({ code: 'not_signed_in' });
    expect(await requestLog()).toHaveLength(sent);
  });

  describe('on a session without a refresh token (a single-page-app client)', () => {
    it('rejects a burst refused with 401 typed, once each, and sends nothing more', async () => {
      const { auth, hostConfig } = await signedIn({
        clientId: SPA_CLIENT_ID,
        scopes: ['user_default'],
      });
      await control('POST', '/users/user-ada/expire');
      const calls = await Promise.allSettled(
        [1, 2, 3].map(() => users.getMyUser({ hostConfig, noCache: true })),
      );
      for (const call of calls) {
        expect(call.status).toBe('rejected');
        expect((call as PromiseRejectedResult).reason).toBeInstanceOf(QlikAuthError);
      }
      const codes = calls.map(
        (call) => ((call as PromiseRejectedResult).reason as QlikAuthError).code,
      );
      expect(codes).toContain('session_expired');
      expect(auth.getSnapshot()).toMatchObject({
        status: 'signedOut',
        error: { code: 'session_expired' },
      });
      const log = await requestLog();
      // Each call was sent once and refused; no call was sent again, and no token was asked for.
      expect(log.filter((entry) => entry.path === '/api/v1/users/me').length).toBeLessThanOrEqual(
        3,
      );
      expect(log.filter((entry) => entry.path === '/oauth/token')).toEqual([]);
      const sent = log.length;
      const again = await rejectionOf(items.getItems({}, { hostConfig, noCache: true }));
      expect(again).toMatchObject({ code: 'not_signed_in' });
      expect(await requestLog()).toHaveLength(sent);
    });

    it('resumes after a re-authorization, with the same host config and no reload', async () => {
      const { auth, hostConfig, followRedirect } = await signedIn({
        clientId: SPA_CLIENT_ID,
        scopes: ['user_default'],
      });
      // Minutes on: the tenant's login session lives (30 idle minutes), and the session ended
      // after it began (one that ends as it begins is not re-authorized).
      clock.time += 2 * 60_000;
      await control('POST', '/users/user-ada/expire');
      await rejectionOf(users.getMyUser({ hostConfig, noCache: true }));
      await auth.reauthorize();
      await followRedirect();
      expect(auth.getSnapshot().status).toBe('signedIn');
      const { data: me } = await users.getMyUser({ hostConfig, noCache: true });
      expect(me.id).toBe('user-ada');
      expect(await refreshGrants()).toEqual([]);
    });
  });
});
