// @vitest-environment node
// The qlik-embed host config against a real emulator over HTTP, driven through @qlik/api in Node:
// qlik-embed's runtime authenticates with @qlik/api's auth code, and in Node @qlik/api runs that
// code in-process, so these calls take the path a qlik-embed UI takes in a browser (the module is
// found by the host config's `authType` alone, as a global; nothing is registered by hand). The
// browser side (Qlik's packages in Chromium) is e2e/qlik-embed.spec.ts.
import { auth as qlikApi, items, users } from '@qlik/api';
import type { HostConfig } from '@qlik/api/auth';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQlikAuth, QlikAuthError, type QlikAuth } from '../src/index.js';
import { qlikEmbedHostConfig, type QlikEmbedHostConfig } from '../src/qlik-embed.js';
import { tokenRefusals } from '../src/token-refusal.js';

const CLIENT_ID = 'embed-native';
/** A single-page-app client: Qlik Cloud (and the emulator) gives it no refresh token. */
const SPA_CLIENT_ID = 'embed-spa';
const REDIRECT_URI = 'http://localhost:5173/callback';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    config: {
      autoApprove: true,
      // A client Qlik Cloud gives refresh tokens to, so a 401 can be renewed silently.
      clients: [
        {
          clientId: CLIENT_ID,
          appType: 'native',
          redirectUris: [REDIRECT_URI],
          scopes: ['user_default', 'offline_access'],
        },
        { clientId: SPA_CLIENT_ID, appType: 'spa', redirectUris: [REDIRECT_URI] },
      ],
    },
  });
});
afterAll(() => emulator.close());

const instances: QlikAuth[] = [];
const names: string[] = [];
afterEach(() => {
  for (const instance of instances.splice(0)) instance.destroy();
  for (const name of names.splice(0)) delete (globalThis as Record<string, unknown>)[name];
});

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

/** A unique auth type per test: @qlik/api keeps the module it found under a name for good. */
function uniqueName(): string {
  const name = `qlikAuthEmbed${names.length}${Math.random().toString(36).slice(2, 8)}`;
  names.push(name);
  return name;
}

/** A QlikAuth signed in as Ada by the whole authorization code flow, and its host config. */
async function signedIn(
  clientId = CLIENT_ID,
  now?: () => number,
): Promise<{
  auth: QlikAuth;
  hostConfig: QlikEmbedHostConfig<string>;
  followRedirect(): Promise<void>;
}> {
  let navigatedTo = '';
  /** The browser's login session at the tenant, which a `prompt=none` request relies on. */
  let cookie = '';
  const auth = createQlikAuth({
    host: emulator.url,
    clientId,
    redirectUri: REDIRECT_URI,
    scopes: clientId === CLIENT_ID ? ['user_default', 'offline_access'] : ['user_default'],
    storage: 'memory',
    ...(now && { now }),
    navigate: (url) => void (navigatedTo = url),
    onWarning: () => {},
  });
  instances.push(auth);
  /** The browser at the authorization endpoint, and back on the redirect URI. */
  async function followRedirect(): Promise<void> {
    const authorize = await fetch(navigatedTo, { redirect: 'manual', headers: { cookie } });
    cookie = authorize.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    await auth.handleRedirectCallback(authorize.headers.get('location')!);
  }
  await auth.signIn({ loginHint: 'ada@example.com' });
  await followRedirect();
  expect(auth.getSnapshot().status).toBe('signedIn');
  const hostConfig = qlikEmbedHostConfig(auth, { authType: uniqueName() });
  await control('DELETE', '/requests');
  return { auth, hostConfig, followRedirect };
}

/** @qlik/api's type for a host config of an auth type it does not know by name. */
const asQlikApi = (hostConfig: QlikEmbedHostConfig<string>) => hostConfig as unknown as HostConfig;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('qlikEmbedHostConfig', () => {
  it('names the instance’s tenant and an auth module published under the auth type', async () => {
    const { auth, hostConfig } = await signedIn();
    expect(hostConfig).toEqual({
      host: new URL(emulator.url).origin,
      authType: hostConfig.authType,
    });
    expect(hostConfig.host).toBe(auth.origin);
    const published = (globalThis as Record<string, unknown>)[hostConfig.authType];
    expect(published).toMatchObject({
      getRestCallAuthParams: expect.any(Function),
      getWebSocketAuthParams: expect.any(Function),
      getWebResourceAuthParams: expect.any(Function),
      handleAuthenticationError: expect.any(Function),
    });
  });

  it('passes Qlik’s own options on and defaults the auth type to qlik-auth', () => {
    const auth = createQlikAuth({ host: emulator.url, clientId: CLIENT_ID, storage: 'memory' });
    instances.push(auth);
    names.push('qlik-auth');
    const mocks = { 'embed-vanilla@v1': {} };
    expect(
      qlikEmbedHostConfig(auth, {
        embedRuntimeUrl: 'https://cdn.example/qmfe',
        runtimeModuleMocks: mocks,
      }),
    ).toEqual({
      host: auth.origin,
      authType: 'qlik-auth',
      embedRuntimeUrl: 'https://cdn.example/qmfe',
      runtimeModuleMocks: mocks,
    });
  });

  it('lets Qlik’s runtime find the module by the host config alone and call with the Bearer', async () => {
    const { auth, hostConfig } = await signedIn();
    const { data: me } = await users.getMyUser({
      hostConfig: asQlikApi(hostConfig),
      noCache: true,
    });
    expect(me).toMatchObject({ id: 'user-ada' });
    const published = (
      globalThis as unknown as Record<string, { getRestCallAuthParams: () => unknown }>
    )[hostConfig.authType]!;
    await expect(published.getRestCallAuthParams()).resolves.toEqual({
      headers: { Authorization: `Bearer ${await auth.getToken()}` },
      queryParams: {},
      credentials: 'omit',
    });
    // Bearer, not cookies, and no token grant for it.
    expect((await requestLog()).filter((entry) => entry.path === '/oauth/token')).toEqual([]);
  });

  it('after a 401 renews once (forced) and retries every call of the burst', async () => {
    const { auth, hostConfig } = await signedIn();
    const before = await auth.getToken();
    await control('POST', '/faults', { path: '/api/v1/users/me', status: 401, times: 1 });
    await control('POST', '/faults', {
      path: '/api/v1/users/me',
      status: 401,
      delayMs: 300,
      times: 2,
    });
    const calls = await Promise.all(
      [1, 2, 3].map(() => users.getMyUser({ hostConfig: asQlikApi(hostConfig), noCache: true })),
    );
    expect(calls.map((call) => call.data.id)).toEqual(['user-ada', 'user-ada', 'user-ada']);
    expect(await refreshGrants()).toHaveLength(1);
    expect((await requestLog()).filter((entry) => entry.status === 401)).toHaveLength(3);
    expect(await auth.getToken()).not.toBe(before);
    await control('DELETE', '/faults');
  });

  it('after a refused token exchanges the purpose tokens anew at their next use', async () => {
    const { hostConfig } = await signedIn();
    const params = () => qlikApi.getWebResourceAuthParams({ hostConfig: asQlikApi(hostConfig) });
    const before = (await params()).queryParams.accessToken;
    expect((await params()).queryParams.accessToken).toBe(before);
    await control('POST', '/faults', { path: '/api/v1/users/me', status: 401, times: 1 });
    await users.getMyUser({ hostConfig: asQlikApi(hostConfig), noCache: true });
    // Derived from a grant the tenant just refused a token of: not handed out again.
    const after = (await params()).queryParams.accessToken;
    expect(after).not.toBe(before);
    expect((await params()).queryParams.accessToken).toBe(after);
    const exchanges = (await requestLog()).filter((entry) => entry.grantType?.includes('exchange'));
    expect(exchanges).toHaveLength(2);
  });

  it('after sign-out rejects with the core’s not_signed_in and sends nothing', async () => {
    const { auth, hostConfig } = await signedIn();
    await auth.signOut();
    const sent = (await requestLog()).length;
    const error = await rejectionOf(
      items.getItems({}, { hostConfig: asQlikApi(hostConfig), noCache: true }),
    );
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({ code: 'not_signed_in' });
    expect(await requestLog()).toHaveLength(sent);
  });

  it('gives no token to a host config that points off the instance’s tenant', async () => {
    const { hostConfig } = await signedIn();
    // The same server under another name: another origin, so not the tenant qlik-auth signed in to.
    const elsewhere = { ...hostConfig, host: emulator.url.replace('localhost', '127.0.0.1') };
    expect(elsewhere.host).not.toBe(hostConfig.host);
    const error = await rejectionOf(
      users.getMyUser({ hostConfig: asQlikApi(elsewhere), noCache: true }),
    );
    expect(error).toMatchObject({ code: 'untrusted_url' });
    expect(await requestLog()).toEqual([]);
  });

  it('makes a name stand for the latest instance given it', async () => {
    const first = await signedIn();
    const second = createQlikAuth({ host: emulator.url, clientId: CLIENT_ID, storage: 'memory' });
    instances.push(second);
    qlikEmbedHostConfig(second, { authType: first.hostConfig.authType });
    // The second instance has no session: the name now stands for it.
    const error = await rejectionOf(
      users.getMyUser({ hostConfig: asQlikApi(first.hostConfig), noCache: true }),
    );
    expect(error).toMatchObject({ code: 'not_signed_in' });
  });

  it('rejects an auth type that is no plain name, or a global taken by something else', () => {
    const auth = createQlikAuth({ host: emulator.url, clientId: CLIENT_ID, storage: 'memory' });
    instances.push(auth);
    expect(() => qlikEmbedHostConfig(auth, { authType: 'a b' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => qlikEmbedHostConfig(auth, { authType: 'fetch' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(globalThis.fetch).toBeTypeOf('function');
  });
});

describe('on a session without a refresh token (a single-page-app client)', () => {
  it('rejects a burst refused with 401 typed, sends each call once, and asks for no token', async () => {
    const { auth, hostConfig } = await signedIn(SPA_CLIENT_ID);
    await control('POST', '/users/user-ada/expire');
    const calls = await Promise.allSettled(
      [1, 2, 3].map(() => users.getMyUser({ hostConfig: asQlikApi(hostConfig), noCache: true })),
    );
    for (const call of calls) {
      expect(call.status).toBe('rejected');
      expect((call as PromiseRejectedResult).reason).toBeInstanceOf(QlikAuthError);
    }
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    const log = await requestLog();
    expect(log.filter((entry) => entry.path === '/api/v1/users/me').length).toBeLessThanOrEqual(3);
    expect(log.filter((entry) => entry.path === '/oauth/token')).toEqual([]);
  });

  it('resumes after a re-authorization, with the same host config and no reload', async () => {
    // The client's clock, moved a minute on below: a session that ends as it begins is not
    // re-authorized (that would be a loop), and this one would end seconds after it began.
    let later = 0;
    const { auth, hostConfig, followRedirect } = await signedIn(
      SPA_CLIENT_ID,
      () => Date.now() + later,
    );
    later = 60_000;
    await control('POST', '/users/user-ada/expire');
    await rejectionOf(users.getMyUser({ hostConfig: asQlikApi(hostConfig), noCache: true }));
    await auth.reauthorize();
    await followRedirect();
    expect(auth.getSnapshot().status).toBe('signedIn');
    const { data: me } = await users.getMyUser({
      hostConfig: asQlikApi(hostConfig),
      noCache: true,
    });
    expect(me.id).toBe('user-ada');
    expect(await refreshGrants()).toEqual([]);
  });
});

describe('the renewal seam after a refused token', () => {
  it('renews through the seam once for a burst of refusals', async () => {
    const { auth } = await signedIn();
    let renewals = 0;
    const refusals = tokenRefusals(auth, {
      // What re-authorization (prompt=none) would plug in: here a forced refresh, counted.
      renew: async (instance) => {
        renewals += 1;
        return instance.getToken({ forceRefresh: true });
      },
    });
    const handed = await refusals.handOut();
    await Promise.all([refusals.renewAfterRefusal(), refusals.renewAfterRefusal()]);
    expect(renewals).toBe(1);
    expect(await refusals.handOut()).not.toBe(handed);
    await refusals.renewAfterRefusal();
    expect(renewals).toBe(1);
  });

  it('rejects with the seam’s typed error, for the caller to report', async () => {
    const { auth } = await signedIn();
    const refused = new QlikAuthError('session_expired', 'the user must sign in again');
    const refusals = tokenRefusals(auth, { renew: () => Promise.reject(refused) });
    await refusals.handOut();
    await expect(refusals.renewAfterRefusal()).rejects.toBe(refused);
  });
});
