import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { SessionStore } from '../src/index.js';
import { rawRecords, rejectionOf, setup, settled, writeRaw } from './helpers.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Every string a record holds, its bytes read as text too: what someone with the disk sees. */
function visibleText(value: unknown): string {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes =
      value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer);
    return new TextDecoder('latin1').decode(bytes) + new TextDecoder().decode(bytes);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => k + visibleText(v))
      .join('|');
  }
  return String(value);
}

describe('session persistence', () => {
  it('starts loading, then settles signed out when nothing is stored', async () => {
    const { auth, tenant } = setup();
    expect(auth.getSnapshot()).toEqual({ status: 'loading' });
    expect(await settled(auth)).toEqual({ status: 'signedOut' });
    expect(tenant.requests).toHaveLength(0);
  });

  it('restores the session after a reload with no network request', async () => {
    const { auth, tenant, signIn, create } = setup();
    await signIn(auth);
    const token = await auth.getToken();
    const requestsBefore = tenant.requests.length;

    const reloaded = create();
    expect(await settled(reloaded)).toEqual(auth.getSnapshot());
    expect(await reloaded.getToken()).toBe(token);
    expect(tenant.requests.length).toBe(requestsBefore);
  });

  it('stores a new session before it shows signedIn, so a reload at that moment keeps it', async () => {
    const { auth, signIn, create } = setup();
    let reloadedAtSignIn: ReturnType<typeof create> | undefined;
    auth.subscribe(() => {
      // The instant the page could show "signed in", the user reloads.
      if (auth.getSnapshot().status === 'signedIn') reloadedAtSignIn ??= create();
    });
    await signIn(auth);
    expect(reloadedAtSignIn).toBeDefined();
    expect((await settled(reloadedAtSignIn!)).status).toBe('signedIn');
  });

  it('answers getToken during start-up once the session is restored', async () => {
    const { auth, signIn, create } = setup();
    await signIn(auth);
    const reloaded = create();
    expect(reloaded.getSnapshot().status).toBe('loading');
    expect(await reloaded.getToken()).toBe(await auth.getToken());
  });

  it('restores with one read-only transaction for key and session, begun by createQlikAuth', async () => {
    const { auth, signIn, create } = setup();
    await signIn(auth);
    const open = vi.spyOn(indexedDB, 'open');
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    onTestFinished(() => {
      open.mockRestore();
      transaction.mockRestore();
    });
    const reloaded = create();
    // Started while the instance is created, not on first use.
    expect(open).toHaveBeenCalledTimes(1);
    const db = () => (open.mock.results[0]!.value as IDBOpenDBRequest).result;
    /** The modes of this instance's transactions until it left `loading` (the sweep comes after). */
    let modes: unknown[] | undefined;
    reloaded.subscribe(() => {
      if (reloaded.getSnapshot().status === 'loading') return;
      modes ??= transaction.mock.calls
        .filter((_, i) => transaction.mock.contexts[i] === db())
        .map(([, mode]) => mode);
    });
    expect((await settled(reloaded)).status).toBe('signedIn');
    expect(modes).toEqual(['readonly']);
  });

  it('keeps tokens in a database of its own, unreadable as plaintext', async () => {
    const { auth, signIn, tenant, dbName } = setup();
    await signIn(auth);
    const accessToken = await auth.getToken();
    const [refreshToken] = tenant.refreshTokens;
    const records = await rawRecords(dbName);
    expect([...records.keys()].sort()).toEqual(['key', 'session']);
    const text = visibleText([...records.values()]);
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain(accessToken.split('.')[1]);
    expect(text).not.toContain(refreshToken);
    expect(text).not.toContain('refreshToken');
  });

  it('keeps its key as a non-extractable AES-GCM CryptoKey', async () => {
    const { auth, signIn, dbName } = setup();
    await signIn(auth);
    const key = (await rawRecords(dbName)).get('key') as CryptoKey;
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('keeps the sign-in transaction encrypted too, and deletes it once used', async () => {
    const { auth, navigations, dbName, tenant } = setup();
    await auth.signIn({ appState: { secretDraft: 'quarterly numbers' } });
    const state = new URL(navigations[0]!).searchParams.get('state')!;
    const records = await rawRecords(dbName);
    expect(records.has(`transaction:${state}`)).toBe(true);
    expect(visibleText([...records.values()])).not.toContain('quarterly numbers');

    history.replaceState(null, '', await tenant.authorize(navigations[0]!));
    await auth.handleRedirectCallback();
    expect((await rawRecords(dbName)).has(`transaction:${state}`)).toBe(false);
  });

  it('puts no token in localStorage, sessionStorage, cookies or the URL', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    expect(location.href).not.toContain(await auth.getToken());
    expect(location.search).toBe('');
  });

  it('never shows the refresh token in the snapshot', async () => {
    const { auth, signIn, tenant } = setup();
    const snapshots: unknown[] = [];
    auth.subscribe(() => snapshots.push(auth.getSnapshot()));
    await signIn(auth);
    const [refreshToken] = tenant.refreshTokens;
    expect(refreshToken).toBeTruthy();
    expect(JSON.stringify(snapshots)).not.toContain(refreshToken);
    expect(JSON.stringify(snapshots)).not.toContain(await auth.getToken());
  });

  it('reads the expiry from expires_at (Qlik)', async () => {
    const { auth, signIn } = setup({
      tenant: { expiryFields: 'expires_at', accessTokenTtlSeconds: 300 },
    });
    await signIn(auth);
    expect(auth.getSnapshot().expiresAt).toBe(Date.parse('2030-01-01T00:05:00.000Z'));
  });

  it('reads the expiry from expires_in (RFC 6749 section 5.1)', async () => {
    const { auth, signIn, clock } = setup({
      tenant: { expiryFields: 'expires_in', accessTokenTtlSeconds: 120 },
    });
    await signIn(auth);
    expect(auth.getSnapshot().expiresAt).toBe(clock.time + 120_000);
  });

  it('prefers expires_in when both are sent, as it does not depend on clocks agreeing', async () => {
    const { auth, tenant, callbackUrlFor, clock } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    tenant.failNext('/oauth/token', () =>
      Response.json({
        access_token: 'opaque-token',
        token_type: 'Bearer',
        expires_in: 600,
        expires_at: '2029-01-01T00:00:00.000Z',
      }),
    );
    await auth.handleRedirectCallback(callbackUrl);
    expect(auth.getSnapshot()).toEqual({
      status: 'signedIn',
      expiresAt: clock.time + 600_000,
      // No scope in the response: the requested scopes were granted (RFC 6749 section 5.1).
      scopes: ['user_default', 'offline_access'],
      // Its answer brought no refresh token: only the user can renew it.
      renewable: false,
      // The tenant does not know the edge's opaque token: who it is could not be learned.
      userError: expect.objectContaining({ code: 'request_rejected', status: 401 }),
    });
  });

  it('discards a stored session whose access token expired and that has no refresh token', async () => {
    const { auth, signIn, create, clock, dbName } = setup({ tenant: { refreshTokens: false } });
    await signIn(auth);
    clock.time += 2 * 3600 * 1000;
    expect(await settled(create())).toEqual({ status: 'signedOut' });
    expect((await rawRecords(dbName)).has('session')).toBe(false);
  });

  it('discards a corrupted session record as signed out, once, with a warning', async () => {
    const { auth, signIn, create, dbName, warnings } = setup();
    await signIn(auth);
    const records = await rawRecords(dbName);
    const sealed = records.get('session') as { iv: Uint8Array; data: ArrayBuffer };
    const torn = new Uint8Array(sealed.data.slice(0));
    torn[5] = torn[5]! ^ 0xff;
    await writeRaw(dbName, 'session', { iv: sealed.iv, data: torn.buffer });

    const reloaded = create();
    expect(await settled(reloaded)).toEqual({ status: 'signedOut' });
    expect(warnings).toEqual(['discarded an unreadable session record']);
    expect((await rawRecords(dbName)).has('session')).toBe(false);
    expect((await rejectionOf(reloaded.getToken())).code).toBe('not_signed_in');
  });

  it.each([
    ['a string', 'not a record'],
    ['an empty object', {}],
    ['null', null],
    ['a record from another key', 'swap'],
  ])('treats %s in the session record as signed out', async (_label, garbage) => {
    const { auth, signIn, create, dbName, navigations } = setup();
    await signIn(auth);
    let value: unknown = garbage;
    if (garbage === 'swap') {
      // A sealed transaction moved under the session's name: bound to its own name, so refused.
      await auth.signIn();
      const state = new URL(navigations.at(-1)!).searchParams.get('state');
      value = (await rawRecords(dbName)).get(`transaction:${state}`);
    }
    await writeRaw(dbName, 'session', value);
    expect(await settled(create())).toEqual({ status: 'signedOut' });
  });

  it('discards a session sealed with a key that is gone', async () => {
    const { auth, signIn, create, dbName } = setup();
    await signIn(auth);
    const otherKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    await writeRaw(dbName, 'key', otherKey);
    expect(await settled(create())).toEqual({ status: 'signedOut' });
  });
});

describe('storage fallbacks', () => {
  it('works from memory without IndexedDB, and says so once', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const { auth, signIn, warnings } = setup();
    expect(await settled(auth)).toEqual({ status: 'signedOut' });
    await signIn(auth);
    await auth.signOut();
    await signIn(auth);
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/storage failed.*memory/);
  });

  it('works from memory when IndexedDB refuses to open (private mode, blocked)', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        const request = {} as IDBOpenDBRequest;
        queueMicrotask(() => {
          Object.assign(request, { error: new DOMException('denied', 'InvalidStateError') });
          request.onerror?.(new Event('error'));
        });
        return request;
      },
    });
    const { auth, signIn, warnings } = setup();
    await signIn(auth);
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(warnings).toHaveLength(1);
  });

  it('stops waiting for an IndexedDB that never answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('indexedDB', { open: () => ({}) });
    const { auth, warnings } = setup();
    const state = settled(auth);
    await vi.advanceTimersByTimeAsync(4000);
    expect(await state).toEqual({ status: 'signedOut' });
    expect(warnings[0]).toMatch(/timed out/);
  });

  it('moves every call in flight to memory when IndexedDB fails, and says so once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('indexedDB', { open: () => ({}) });
    const { auth, warnings } = setup();
    // The restore and the callback both wait on the IndexedDB that never answers.
    const callback = rejectionOf(
      auth.handleRedirectCallback('http://localhost:3000/callback?code=c&state=unknown'),
    );
    await vi.advanceTimersByTimeAsync(4000);
    // Looked up in memory, where it is not: not a storage failure.
    expect((await callback).code).toBe('transaction_not_found');
    expect((await settled(auth)).status).toBe('signedOut');
    expect(warnings).toHaveLength(1);
  });

  it("keeps sessions in memory only with storage: 'memory'", async () => {
    const { auth, signIn, create, dbName, warnings } = setup({ auth: { storage: 'memory' } });
    await signIn(auth);
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(await settled(create())).toEqual({ status: 'signedOut' });
    expect((await rawRecords(dbName)).size).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('uses a SessionStore given as storage, sealed like IndexedDB', async () => {
    const map = new Map<string, unknown>();
    const store: SessionStore = {
      get: async (key) => map.get(key),
      set: async (key, value) => void map.set(key, value),
      delete: async (key) => void map.delete(key),
      update: async (key, next) => {
        const previous = map.get(key);
        const value = next(previous);
        if (value === undefined) map.delete(key);
        else map.set(key, value);
        return previous;
      },
    };
    const { auth, signIn, create } = setup({ auth: { storage: store } });
    await signIn(auth);
    expect([...map.keys()].sort()).toEqual(['key', 'session']);
    expect(visibleText([...map.values()])).not.toContain(await auth.getToken());
    expect(await settled(create())).toMatchObject({ status: 'signedIn' });
  });

  it('fails a sign-in with storage_unavailable when a given SessionStore fails', async () => {
    const broken: SessionStore = {
      get: async () => undefined,
      set: async () => {
        throw new Error('quota exceeded');
      },
      delete: async () => {},
      update: async () => {
        throw new Error('quota exceeded');
      },
    };
    const { auth, navigations } = setup({ auth: { storage: broken } });
    const error = await rejectionOf(auth.signIn());
    expect(error).toMatchObject({ code: 'storage_unavailable', retryable: false });
    expect(navigations).toHaveLength(0);
  });
});

describe('snapshot', () => {
  it('keeps its identity while nothing changes', async () => {
    const { auth, signIn } = setup();
    await settled(auth);
    const signedOut = auth.getSnapshot();
    expect(auth.getSnapshot()).toBe(signedOut);
    await signIn(auth);
    const signedIn = auth.getSnapshot();
    await auth.getToken();
    await auth.getToken();
    expect(auth.getSnapshot()).toBe(signedIn);
    expect(Object.isFrozen(signedIn)).toBe(true);
  });

  it('notifies listeners only when the content changes', async () => {
    const { auth, signIn, callbackUrlFor } = setup();
    await settled(auth);
    const listener = vi.fn();
    auth.subscribe(listener);
    await signIn(auth);
    // signedOut, then loading while the code is exchanged, then signedIn.
    expect(listener).toHaveBeenCalledTimes(2);
    listener.mockClear();
    await auth.getToken();
    await auth.handleRedirectCallback(location.href);
    expect(listener).toHaveBeenCalledTimes(0);
    // A second sign-in with the same expiry, scopes and user: same content, same identity.
    const before = auth.getSnapshot();
    await auth.handleRedirectCallback(await callbackUrlFor(auth));
    expect(auth.getSnapshot()).toBe(before);
    expect(listener).toHaveBeenCalledTimes(0);
  });

  it('stops notifying after unsubscribe and after destroy', async () => {
    const { auth, signIn } = setup();
    await settled(auth);
    const unsubscribed = vi.fn();
    const destroyed = vi.fn();
    auth.subscribe(unsubscribed)();
    auth.subscribe(destroyed);
    auth.destroy();
    await signIn(auth);
    expect(unsubscribed).not.toHaveBeenCalled();
    expect(destroyed).not.toHaveBeenCalled();
  });
});

describe('getToken', () => {
  it('rejects with not_signed_in without a session', async () => {
    const { auth, tenant } = setup();
    expect(await rejectionOf(auth.getToken())).toMatchObject({
      code: 'not_signed_in',
      retryable: false,
    });
    expect(tenant.requests).toHaveLength(0);
  });

  it('returns the access token until the leeway before expiry, from memory alone', async () => {
    const map = new Map<string, unknown>();
    const calls: string[] = [];
    const store: SessionStore = {
      get: async (key) => (calls.push(`get ${key}`), map.get(key)),
      set: async (key, value) => void (calls.push(`set ${key}`), map.set(key, value)),
      delete: async (key) => void (calls.push(`delete ${key}`), map.delete(key)),
      update: async (key, next) => {
        calls.push(`update ${key}`);
        const previous = map.get(key);
        map.set(key, next(previous));
        return previous;
      },
    };
    const { auth, signIn, clock, tenant } = setup({ auth: { storage: store } });
    await signIn(auth);
    const requests = tenant.requests.length;
    const storageCalls = calls.length;
    // The token expires at 01:00; the default leeway is 60 s.
    clock.time = Date.parse('2030-01-01T00:58:59.999Z');
    const tokens = await Promise.all([auth.getToken(), auth.getToken(), auth.getToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(tenant.requests.length).toBe(requests);
    expect(calls.length).toBe(storageCalls);
  });

  it('renews an expired access token with the refresh token (RFC 6749 section 6)', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    const expired = await auth.getToken();
    clock.time = Date.parse('2030-01-01T01:00:00.000Z');
    const renewed = await auth.getToken();
    expect(renewed).not.toBe(expired);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(auth.getSnapshot().expiresAt).toBe(Date.parse('2030-01-01T02:00:00.000Z'));
  });

  it('ends a session that expired without a refresh token', async () => {
    const { auth, signIn, clock, create } = setup({ tenant: { refreshTokens: false } });
    await signIn(auth);
    clock.time += 3600 * 1000;
    const error = await rejectionOf(auth.getToken());
    expect(error.code).toBe('token_expired');
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut', error });
    expect(await settled(create())).toEqual({ status: 'signedOut' });
  });
});
