import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QlikAuth } from '../src/index.js';
import {
  eventually,
  installWebLocks,
  rawRecords,
  rejectionOf,
  setup,
  settled,
  tick,
  writeRaw,
} from './helpers.js';

/** Regression tests of a security review: one `describe` per finding. */

const START = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 3600_000;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** A sealed record opened with `key`, as someone holding that key could. */
async function unseal(key: CryptoKey, name: string, record: unknown): Promise<unknown> {
  const { iv, data } = record as { iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer };
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(name) },
    key,
    data,
  );
  return JSON.parse(new TextDecoder().decode(plain));
}

/** The stored session, opened with the stored key. */
async function storedSession(dbName: string) {
  const records = await rawRecords(dbName);
  if (!records.has('session')) return undefined;
  return (await unseal(records.get('key') as CryptoKey, 'session', records.get('session'))) as {
    accessToken: string;
    refreshToken?: string;
  };
}

/** Timers under the test's control; promises, IndexedDB and WebCrypto keep running for real. */
function fakeTimers() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/**
 * Moves the clock and the timers forward together, a step at a time, as real time would; a
 * refresh that a step started finishes (IndexedDB runs on real time) before the next step.
 */
async function elapse(auth: QlikAuth, clock: { time: number }, ms: number, step = 1000) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.time += step;
    await vi.advanceTimersByTimeAsync(step);
    await eventually(() => !auth.getSnapshot().refreshing);
  }
}

/** Waits until the async `condition` holds; fails after two seconds of real time. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`still not true: ${condition}`);
    await tick();
  }
}

describe('purpose tokens belong to one grant', () => {
  it('drops them when another tab signs in as someone else', async () => {
    installWebLocks();
    const { auth, create, signIn, tenant } = setup();
    await signIn(auth, undefined, 'idp|alice');
    const other = create();
    await settled(other);
    // Qlik's tokens carry no identity (qlik.dev changelog 67): whose token was exchanged is
    // told by the exchange's subject_token, the access token of the session users/me named.
    const aliceToken = await auth.getToken();
    const aliceSocket = await auth.getToken({ purpose: 'websocket' });
    expect(tenant.grants(TOKEN_EXCHANGE).at(-1)!.params.subject_token).toBe(aliceToken);

    await signIn(other, undefined, 'idp|bob');
    await eventually(() => auth.getSnapshot().user?.subject === 'idp|bob');

    const bobToken = await auth.getToken();
    expect(bobToken).not.toBe(aliceToken);
    const socket = await auth.getToken({ purpose: 'websocket' });
    expect(socket).not.toBe(aliceSocket);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
    expect(tenant.grants(TOKEN_EXCHANGE).at(-1)!.params.subject_token).toBe(bobToken);
  });

  it('drops them when this tab signs in again, even as the same user', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken({ purpose: 'webresource' });
    await signIn(auth);
    expect(await auth.getToken({ purpose: 'webresource' })).not.toBe(first);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
  });

  it('exchanges once for every caller who asked while the session was being restored', async () => {
    const { auth, create, signIn, tenant } = setup();
    await signIn(auth);
    const reloaded = create();
    const [first, second] = [
      reloaded.getToken({ purpose: 'websocket' }),
      reloaded.getToken({ purpose: 'websocket' }),
    ];
    await settled(reloaded);
    const third = reloaded.getToken({ purpose: 'websocket' });
    expect(new Set(await Promise.all([first, second, third])).size).toBe(1);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(1);
  });

  it('keeps them across a refresh of the same grant, in this tab or another', async () => {
    installWebLocks();
    const { auth, create, signIn, tenant } = setup();
    await signIn(auth);
    const other = create();
    await settled(other);
    const socket = await auth.getToken({ purpose: 'websocket' });
    const renewed = await other.getToken({ forceRefresh: true });
    await until(async () => (await auth.getToken()) === renewed);
    await auth.getToken({ forceRefresh: true });
    expect(await auth.getToken({ purpose: 'websocket' })).toBe(socket);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(1);
  });
});

describe('expiry on the tenant’s clock', () => {
  it('makes no refresh storm with a client clock 2 h ahead and 1 h tokens', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ tenant: { clockOffsetMs: -2 * HOUR } });
    await signIn(auth);
    // On this clock the tenant's expires_at is an hour ago; the token is fresh all the same.
    expect(auth.getSnapshot().expiresAt).toBe(START + HOUR);
    await auth.getToken();
    await elapse(auth, clock, 3 * HOUR, 10_000);
    // Renewed a minute before each expiry: at 0:59, 1:58 and 2:57.
    expect(tenant.grants('refresh_token')).toHaveLength(3);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
    expect(tenant.grants('refresh_token')).toHaveLength(3);
  });

  it('renews before the tenant’s expiry with a client clock 2 h behind', async () => {
    const { auth, signIn, clock, tenant } = setup({ tenant: { clockOffsetMs: 2 * HOUR } });
    await signIn(auth);
    expect(auth.getSnapshot().expiresAt).toBe(START + HOUR);
    clock.time = START + HOUR - MINUTE;
    const renewed = await auth.getToken();
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    // The tenant accepts it: it is live on the tenant's clock.
    const response = await auth.fetch('/api/v1/users/me');
    expect(response.status).toBe(200);
    expect(tenant.to('/api/v1/users/me').at(-1)!.headers.authorization).toBe(`Bearer ${renewed}`);
  });

  it('reads the tenant’s clock from a readable Date header when the token is opaque', async () => {
    const { auth, signIn } = setup({
      tenant: { clockOffsetMs: -2 * HOUR, opaqueTokens: true, dateHeader: true },
    });
    await signIn(auth);
    expect(auth.getSnapshot().expiresAt).toBe(START + HOUR);
  });

  it('without a Date header or iat, refreshes at most once per 5 s whatever the expiry says', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({
      tenant: { clockOffsetMs: -2 * HOUR, opaqueTokens: true },
    });
    await signIn(auth);
    // The token looks an hour expired, but it was issued a moment ago: it is handed out.
    const token = await auth.getToken();
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    await elapse(auth, clock, MINUTE, 500);
    expect(tenant.grants('refresh_token').length).toBeLessThanOrEqual(12);
    expect(await auth.getToken()).not.toBe(token);
  });

  it('keeps the corrected expiry across a reload, with no request', async () => {
    const { auth, signIn, create, tenant } = setup({ tenant: { clockOffsetMs: -2 * HOUR } });
    await signIn(auth);
    const token = await auth.getToken();
    const requests = tenant.requests.length;
    const reloaded = create();
    expect(await settled(reloaded)).toMatchObject({ status: 'signedIn', expiresAt: START + HOUR });
    expect(await reloaded.getToken()).toBe(token);
    expect(tenant.requests).toHaveLength(requests);
  });
});

describe('the encryption key in storage', () => {
  const aes = { name: 'AES-GCM', length: 256 };
  it.each<[string, () => Promise<unknown>]>([
    ['an extractable key', () => crypto.subtle.generateKey(aes, true, ['encrypt', 'decrypt'])],
    ['a key for encrypt only', () => crypto.subtle.generateKey(aes, false, ['encrypt'])],
    [
      'an AES-CBC key',
      () =>
        crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false, ['encrypt', 'decrypt']),
    ],
    [
      'a 128-bit key',
      () => crypto.subtle.generateKey({ ...aes, length: 128 }, false, ['encrypt', 'decrypt']),
    ],
    ['a tampered record (no key at all)', async () => ({ tampered: true })],
  ])('replaces %s with its own, and seals nothing with the planted one', async (_, plant) => {
    const { auth, signIn, dbName } = setup();
    const planted = await plant();
    await writeRaw(dbName, 'key', planted);
    await signIn(auth);
    expect(auth.getSnapshot().status).toBe('signedIn');
    const records = await rawRecords(dbName);
    const key = records.get('key') as CryptoKey;
    expect(key).not.toBe(planted);
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    expect(await unseal(key, 'session', records.get('session'))).toMatchObject({
      refreshToken: expect.any(String),
    });
    if (planted instanceof CryptoKey && planted.usages.includes('decrypt')) {
      await expect(unseal(planted, 'session', records.get('session'))).rejects.toThrow();
    }
  });

  it('drops the session when its key is replaced by an extractable one', async () => {
    const { auth, signIn, create, dbName, warnings, tenant } = setup();
    await signIn(auth);
    await writeRaw(
      dbName,
      'key',
      await crypto.subtle.generateKey(aes, true, ['encrypt', 'decrypt']),
    );
    const requests = tenant.requests.length;
    expect((await settled(create())).status).toBe('signedOut');
    expect(warnings).toEqual(['discarded an unreadable session record']);
    expect((await rawRecords(dbName)).has('session')).toBe(false);
    expect(tenant.requests).toHaveLength(requests);
  });

  it('says storage_unavailable, not invalid_response, when WebCrypto fails', async () => {
    const { auth } = setup();
    await settled(auth);
    vi.spyOn(crypto.subtle, 'generateKey').mockRejectedValue(
      new DOMException('no', 'OperationError'),
    );
    const error = await rejectionOf(auth.signIn());
    expect(error.code).toBe('storage_unavailable');
    expect(auth.getSnapshot().error?.code).toBe('storage_unavailable');
  });
});

describe('persistRefreshToken: false', () => {
  it('stores no refresh token, and a reload restores nothing and asks nothing', async () => {
    const { auth, signIn, create, dbName, tenant } = setup({
      auth: { persistRefreshToken: false },
    });
    await signIn(auth);
    const stored = await storedSession(dbName);
    expect(stored?.accessToken).toBe(await auth.getToken());
    expect(stored).not.toHaveProperty('refreshToken');
    // Still renews from memory, and still stores no refresh token.
    await auth.getToken({ forceRefresh: true });
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(await storedSession(dbName)).not.toHaveProperty('refreshToken');
    const requests = tenant.requests.length;
    expect((await settled(create())).status).toBe('signedOut');
    expect(tenant.requests).toHaveLength(requests);
  });

  it('keeps one grant per tab: none adopts another’s, refreshes stay serialised, sign-out reaches all', async () => {
    const locks = installWebLocks();
    const { auth, signIn, create, tenant } = setup({ auth: { persistRefreshToken: false } });
    await signIn(auth);
    // A new tab cannot adopt the session: there is nothing in storage to renew it with.
    const other = create();
    expect((await settled(other)).status).toBe('signedOut');
    await signIn(other);
    await tick();
    const mine = await auth.getToken();
    const theirs = await other.getToken();
    expect(mine).not.toBe(theirs);
    // Each renews its own grant with its own refresh token, one at a time, never reusing one.
    for (let round = 0; round < 3; round += 1) {
      await Promise.all([
        auth.getToken({ forceRefresh: true }),
        other.getToken({ forceRefresh: true }),
      ]);
    }
    const sent = tenant.sentRefreshTokens();
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
    expect(tenant.stats.reuseDetections).toBe(0);
    expect(locks.maxHolders).toBe(1);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
    expect((await other.fetch('/api/v1/users/me')).status).toBe(200);
    // Signing out in one tab signs out the other.
    await other.signOut();
    await eventually(() => auth.getSnapshot().status === 'signedOut');
  });
});

describe('discovered endpoints', () => {
  it.each(['authorization', 'token', 'revocation'])(
    'refuses metadata whose %s_endpoint is off the tenant, and sends nothing there',
    async (endpoint) => {
      const { auth, tenant, navigations } = setup();
      // Discovery answers, in the tenant's place, metadata that sends one endpoint elsewhere.
      tenant.failNext('/.well-known/oauth-authorization-server', () =>
        Response.json({
          ...tenant.metadata,
          [`${endpoint}_endpoint`]: `https://evil.example/${endpoint}`,
        }),
      );
      const error = await rejectionOf(auth.signIn());
      expect(error.code).toBe('untrusted_url');
      expect(navigations).toEqual([]);
      expect(tenant.requests.filter((r) => !r.url.startsWith(tenant.origin))).toEqual([]);
    },
  );
});

describe('abandoned sign-ins', () => {
  const transactions = async (dbName: string) =>
    [...(await rawRecords(dbName)).keys()].filter((key) => key.startsWith('transaction:'));

  it('are swept at start-up once older than 10 minutes; younger ones stay', async () => {
    // Codes that outlive the test's 5 minutes between getting one and redeeming it.
    const { auth, create, callbackUrlFor, clock, dbName } = setup({
      tenant: { authorizationCodeTtlSeconds: 900 },
    });
    await settled(auth);
    await auth.signIn();
    const [abandoned] = await transactions(dbName);
    clock.time += 6 * MINUTE;
    const pending = await callbackUrlFor(auth);
    expect(await transactions(dbName)).toHaveLength(2);
    clock.time += 5 * MINUTE;
    const reloaded = create();
    await until(async () => !(await transactions(dbName)).includes(abandoned!));
    // Time for the sweep to read the other one too; it stays, and finishes its sign-in.
    for (let i = 0; i < 50; i += 1) await tick();
    expect(await transactions(dbName)).toHaveLength(1);
    await reloaded.handleRedirectCallback(pending);
    expect(reloaded.getSnapshot().status).toBe('signedIn');
  });
});

describe('sign-out racing a refresh, without Web Locks', () => {
  it('stores nothing once signed out, however late the refresh answers', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = false;
    let tenantFetch: typeof fetch = fetch;
    const gated: typeof fetch = async (input, init) => {
      if (String(init?.body).includes('grant_type=refresh_token')) {
        waiting = true;
        await gate;
      }
      return tenantFetch(input, init);
    };
    const { auth, signIn, create, tenant, dbName } = setup({ auth: { fetch: gated } });
    tenantFetch = tenant.fetch;
    await signIn(auth);
    const refreshing = auth.getToken({ forceRefresh: true }).catch((error: unknown) => error);
    await eventually(() => waiting);
    await auth.signOut({ revoke: false });
    release();
    await refreshing;
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect((await rawRecords(dbName)).has('session')).toBe(false);
    expect(auth.getSnapshot().status).toBe('signedOut');
    expect((await settled(create())).status).toBe('signedOut');
  });
});

describe('sign-out', () => {
  it('revokes the cached purpose tokens too', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const socket = await auth.getToken({ purpose: 'websocket' });
    const resource = await auth.getToken({ purpose: 'webresource' });
    await auth.signOut();
    expect(tenant.revoked).toEqual(
      expect.arrayContaining([
        { token: socket, hint: 'access_token' },
        { token: resource, hint: 'access_token' },
      ]),
    );
    expect(tenant.revoked).toHaveLength(4);
  });
});

describe('fetch', () => {
  it('sends the Request it checked: a look-alike object cannot send elsewhere', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const lookAlike = {
      url: `${tenant.origin}/api/v1/users/me`,
      method: 'GET',
      headers: new Headers(),
      clone: () => new Request('https://evil.example/steal'),
    };
    await auth.fetch(lookAlike as unknown as Request).catch(() => undefined);
    expect(tenant.requests.filter((r) => !r.url.startsWith(`${tenant.origin}/`))).toEqual([]);
  });

  it('sends a real Request with its method, headers and body', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const request = new Request(`${tenant.origin}/api/v1/items`, {
      method: 'POST',
      headers: { 'x-custom': 'yes' },
      body: 'name=a',
    });
    await auth.fetch(request);
    const [sent] = tenant.to('/api/v1/items');
    expect(sent).toMatchObject({ method: 'POST', params: { name: 'a' } });
    expect(sent!.headers).toMatchObject({
      'x-custom': 'yes',
      authorization: `Bearer ${await auth.getToken()}`,
    });
  });
});

describe('the callback', () => {
  it('checks iss on an error redirect as on a success', async () => {
    const { auth, callbackUrlFor } = setup();
    const url = new URL(await callbackUrlFor(auth, { deny: true }));
    url.searchParams.set('iss', 'https://evil.example');
    const error = await rejectionOf(auth.handleRedirectCallback(url));
    expect(error.code).toBe('invalid_response');
  });

  it('believes an error redirect with the right iss', async () => {
    const { auth, callbackUrlFor, tenant } = setup();
    const url = new URL(await callbackUrlFor(auth, { deny: true }));
    url.searchParams.set('iss', tenant.origin);
    const error = await rejectionOf(auth.handleRedirectCallback(url));
    expect(error).toMatchObject({ code: 'authorization_error', error: 'access_denied' });
  });
});

describe('the user', () => {
  it('decodes the claims as UTF-8', async () => {
    const { auth, signIn } = setup();
    await signIn(auth, undefined, 'idp|José');
    expect(auth.getSnapshot().user).toEqual({
      subject: 'idp|José',
      id: 'user-José',
      tenantId: 'emulator-tenant',
      name: 'José',
    });
  });
});
