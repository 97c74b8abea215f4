import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionStore } from '../src/index.js';
import { eventually, installWebLocks, rejectionOf, setup, settled, tick } from './helpers.js';

/** 2030-01-01T00:00:00Z, when every test's clock starts; tokens live an hour by default. */
const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Timers under the test's control; promises, IndexedDB and WebCrypto keep running for real. */
function fakeTimers() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/** Moves the clock and the timers forward together, a step at a time, as real time would. */
async function elapse(clock: { time: number }, ms: number, step = 1000) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.time += step;
    await vi.advanceTimersByTimeAsync(step);
  }
}

describe('getToken and the leeway', () => {
  it('refreshes first when the token expires within the leeway (default 60 s)', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken();
    clock.time = START + HOUR - 60_000;
    const second = await auth.getToken();
    expect(second).not.toBe(first);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      expiresAt: START + 2 * HOUR - 60_000,
    });
    expect(auth.getSnapshot().refreshing).toBeUndefined();
  });

  it('honours leewaySeconds', async () => {
    const { auth, signIn, clock, tenant } = setup({ auth: { leewaySeconds: 300 } });
    await signIn(auth);
    clock.time = START + HOUR - 300_001;
    await auth.getToken();
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    clock.time = START + HOUR - 300_000;
    await auth.getToken();
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('shrinks the leeway to half the lifetime of a short-lived token, so it causes no refresh loop', async () => {
    // A 30 s token with a 60 s leeway would be "expiring" the moment it arrives.
    const { auth, signIn, clock, tenant } = setup({ tenant: { accessTokenTtlSeconds: 30 } });
    await signIn(auth);
    const first = await auth.getToken();
    clock.time = START + 14_999;
    expect(await auth.getToken()).toBe(first);
    clock.time = START + 15_000;
    const second = await auth.getToken();
    expect(second).not.toBe(first);
    for (let i = 0; i < 10; i += 1) expect(await auth.getToken()).toBe(second);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('refreshes a valid token on forceRefresh: true', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken();
    const forced = await auth.getToken({ forceRefresh: true });
    expect(forced).not.toBe(first);
    expect(await auth.getToken()).toBe(forced);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('sends the refresh token with the client id (RFC 6749 section 6), then the rotated one', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.getToken({ forceRefresh: true });
    await auth.getToken({ forceRefresh: true });
    const [first, second] = tenant.grants('refresh_token');
    const issued = [...tenant.refreshTokens];
    expect(first!.params).toEqual({
      grant_type: 'refresh_token',
      refresh_token: issued[0],
      client_id: tenant.clientId,
    });
    expect(second!.params.refresh_token).toBe(issued[1]);
    expect(first!.headers.authorization).toBeUndefined();
    expect(tenant.stats.reuseDetections).toBe(0);
  });

  it('keeps the refresh token when the tenant does not rotate it', async () => {
    const { auth, signIn, tenant } = setup({ tenant: { rotateRefreshTokens: false } });
    await signIn(auth);
    await auth.getToken({ forceRefresh: true });
    await auth.getToken({ forceRefresh: true });
    const [refreshToken] = tenant.refreshTokens;
    expect(tenant.sentRefreshTokens()).toEqual([refreshToken, refreshToken]);
  });

  it('stores the renewed session, so a reload uses the new token without a request', async () => {
    const { auth, signIn, tenant, create } = setup();
    await signIn(auth);
    const renewed = await auth.getToken({ forceRefresh: true });
    const requests = tenant.requests.length;
    const reloaded = create();
    expect(await settled(reloaded)).toEqual(auth.getSnapshot());
    expect(await reloaded.getToken()).toBe(renewed);
    expect(tenant.requests.length).toBe(requests);
  });

  it('makes one token request for any number of concurrent callers', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    clock.time = START + HOUR;
    const tokens = await Promise.all([
      ...Array.from({ length: 100 }, () => auth.getToken()),
      auth.getToken({ forceRefresh: true }),
    ]);
    expect(new Set(tokens).size).toBe(1);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('never returns an expired token', async () => {
    const { auth, signIn, clock } = setup({ tenant: { accessTokenTtlSeconds: 10 } });
    await signIn(auth);
    for (let step = 0; step < 20; step += 1) {
      clock.time += 3000;
      await auth.getToken();
      expect(auth.getSnapshot().expiresAt).toBeGreaterThan(clock.time);
    }
  });
});

describe('the hot path', () => {
  it('answers a cached token from memory: no storage, no lock, no timer, no request', async () => {
    const locks = installWebLocks();
    const map = new Map<string, unknown>();
    let storageCalls = 0;
    const store: SessionStore = {
      get: async (key) => (storageCalls++, map.get(key)),
      set: async (key, value) => void (storageCalls++, map.set(key, value)),
      delete: async (key) => void (storageCalls++, map.delete(key)),
      update: async (key, next) => {
        storageCalls++;
        const previous = map.get(key);
        map.set(key, next(previous));
        return previous;
      },
    };
    const { auth, signIn, tenant } = setup({ auth: { storage: store } });
    await signIn(auth);
    await auth.getToken();
    const before = { storageCalls, locks: locks.requests.length, requests: tenant.requests.length };
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect({
      storageCalls,
      locks: locks.requests.length,
      requests: tenant.requests.length,
    }).toEqual(before);
    expect(timers).not.toHaveBeenCalled();
  });
});

describe('scheduled refresh', () => {
  it('refreshes ahead of expiry on its own, with no call to getToken', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ tenant: { accessTokenTtlSeconds: 120 } });
    await signIn(auth);
    await elapse(clock, 59_000);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    await elapse(clock, 1000);
    await eventually(() => tenant.grants('refresh_token').length === 1);
    await eventually(() => auth.getSnapshot().expiresAt === clock.time + 120_000);
    expect(auth.getSnapshot().refreshing).toBeUndefined();
  });

  it('lets a listener that calls getToken() join the scheduled refresh instead of starting another', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ tenant: { accessTokenTtlSeconds: 120 } });
    await signIn(auth);
    const fromListeners: Promise<string>[] = [];
    auth.subscribe(() => void fromListeners.push(auth.getToken()));
    await elapse(clock, 60_000);
    await eventually(() => tenant.grants('refresh_token').length === 1);
    await elapse(clock, 5000);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(new Set(await Promise.all(fromListeners)).size).toBe(1);
  });

  it('keeps the session fresh, token after token', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ tenant: { accessTokenTtlSeconds: 120 } });
    await signIn(auth);
    for (let cycle = 1; cycle <= 5; cycle += 1) {
      await elapse(clock, 60_000, 5000);
      await eventually(() => tenant.grants('refresh_token').length === cycle);
      await eventually(() => auth.getSnapshot().expiresAt! > clock.time + 60_000);
    }
    expect(tenant.stats.reuseDetections).toBe(0);
  });

  it('never waits on a single timer for more than 60 s', async () => {
    fakeTimers();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const { auth, signIn } = setup();
    await signIn(auth);
    await eventually(() => timers.mock.calls.some(([, delay]) => delay === 60_000));
    expect(timers.mock.calls.every(([, delay]) => (delay ?? 0) <= 60_000)).toBe(true);
  });

  it('notices a sleep: a timer that fires late refreshes at once, by the clock', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    // The machine sleeps for two hours: the clock moves, no timer runs.
    clock.time += 2 * HOUR;
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    // On waking, the pending timer fires (at most 60 s of timer time later).
    await vi.advanceTimersByTimeAsync(60_000);
    await eventually(() => tenant.grants('refresh_token').length === 1);
    await eventually(() => auth.getSnapshot().expiresAt === clock.time + HOUR);
  });

  it('checks again when the page becomes visible', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    clock.time += 2 * HOUR;
    document.dispatchEvent(new Event('visibilitychange'));
    await eventually(() => tenant.grants('refresh_token').length === 1);
  });

  it('checks again when the browser comes back online', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    clock.time += 2 * HOUR;
    window.dispatchEvent(new Event('online'));
    await eventually(() => tenant.grants('refresh_token').length === 1);
  });

  it('does nothing on those events while the token is fresh', async () => {
    fakeTimers();
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });

  it('refreshes a restored session that expired while the page was closed', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant, create } = setup();
    await signIn(auth);
    auth.destroy();
    clock.time += 5 * HOUR;
    const reloaded = create();
    await settled(reloaded);
    await vi.advanceTimersByTimeAsync(0);
    await eventually(() => tenant.grants('refresh_token').length === 1);
    await eventually(() => reloaded.getSnapshot().expiresAt === clock.time + HOUR);
  });

  it('with autoRefresh: false, leaves refreshing to getToken', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ auth: { autoRefresh: false } });
    await signIn(auth);
    await elapse(clock, 2 * HOUR, 60_000);
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await auth.getToken();
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('shows refreshing: true while a refresh runs, and keeps the snapshot otherwise', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    const before = auth.getSnapshot();
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    tenant.failNext('/oauth/token', async () => {
      await held;
      return tenant.fetch(`${tenant.origin}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: [...tenant.refreshTokens][0]!,
          client_id: tenant.clientId,
        }),
      });
    });
    clock.time = START + HOUR - 30_000;
    const token = auth.getToken();
    await eventually(() => auth.getSnapshot().refreshing === true);
    expect(auth.getSnapshot()).toEqual({ ...before, refreshing: true });
    answer();
    await token;
    expect(auth.getSnapshot()).toEqual({ ...before, expiresAt: clock.time + HOUR });
    expect(auth.getSnapshot().refreshing).toBeUndefined();
  });

  it('clears its timer and listeners on destroy', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    // The sweep of old sign-ins starts a task after the restore; its storage calls hold a timeout.
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 50 && vi.getTimerCount() > 1; i += 1) await tick();
    expect(vi.getTimerCount()).toBe(1);
    auth.destroy();
    expect(vi.getTimerCount()).toBe(0);
    clock.time += 2 * HOUR;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });
});

describe('a session without a refresh token', () => {
  it('keeps its token until expiry, with no request', async () => {
    const { auth, signIn, clock, tenant } = setup({ tenant: { refreshTokens: false } });
    await signIn(auth);
    const token = await auth.getToken();
    const sent = tenant.requests.length;
    clock.time = START + HOUR - 1;
    expect(await auth.getToken()).toBe(token);
    expect(tenant.requests).toHaveLength(sent);
  });

  it('ends as signedOut with token_expired when its timer sees it expire', async () => {
    fakeTimers();
    const { auth, signIn, clock, tenant } = setup({ tenant: { refreshTokens: false } });
    await signIn(auth);
    await elapse(clock, HOUR, 60_000);
    await eventually(() => auth.getSnapshot().status === 'signedOut');
    expect(auth.getSnapshot().error).toMatchObject({ code: 'token_expired', retryable: false });
    expect((await rejectionOf(auth.getToken())).code).toBe('not_signed_in');
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });
});

describe('refreshing in the snapshot with autoRefresh: false', () => {
  it('is over when a lazy refresh fails: nothing retries until the next getToken', async () => {
    const { auth, signIn, clock, tenant } = setup({
      auth: { autoRefresh: false, random: () => 0 },
    });
    await signIn(auth);
    tenant.failNext('/oauth/token', 'drop');
    clock.time = START + HOUR;
    expect((await rejectionOf(auth.getToken())).code).toBe('network_error');
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      error: { code: 'network_error' },
    });
    expect(auth.getSnapshot().refreshing).toBeUndefined();
    expect(await auth.getToken()).toMatch(/^ey/);
    expect(auth.getSnapshot().error).toBeUndefined();
  });
});
