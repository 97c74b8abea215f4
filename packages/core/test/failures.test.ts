import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryDelay } from '../src/backoff.js';
import { QlikAuthError, type AuthState } from '../src/index.js';
import { qlikError, type Fault } from './tenant.js';
import { eventually, installWebLocks, rejectionOf, setup, settled } from './helpers.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;

afterEach(() => {
  vi.useRealTimers();
  delete (navigator as { onLine?: boolean }).onLine;
});

/** `navigator.onLine` as the test says; the `online` event is the test's to send. */
function setOnline(online: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
}

/** Every snapshot a QlikAuth publishes from now on. */
function record(auth: { subscribe(l: () => void): () => void; getSnapshot(): AuthState }) {
  const snapshots: AuthState[] = [];
  auth.subscribe(() => snapshots.push(auth.getSnapshot()));
  return snapshots;
}

const html = (status: number) =>
  new Response('<!doctype html><h1>Down for maintenance</h1>', {
    status,
    headers: { 'content-type': 'text/html' },
  });

describe('retryDelay: exponential backoff with full jitter', () => {
  it('stays within [0, min(30 s, 1 s * 2^(failures - 1)))', () => {
    for (let failures = 1; failures <= 12; failures += 1) {
      const bound = Math.min(30_000, 1000 * 2 ** (failures - 1));
      expect(retryDelay(failures, () => 0)).toBe(0);
      expect(retryDelay(failures, () => 0.5)).toBe(bound / 2);
      const highest = retryDelay(failures, () => 1 - Number.EPSILON);
      expect(highest).toBeLessThan(bound);
      expect(highest).toBeGreaterThan(bound * 0.999);
    }
  });

  it('spreads the delays over the whole interval', () => {
    const delays = Array.from({ length: 2000 }, () => retryDelay(3, Math.random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    // Each quarter of [0, 4 s) gets its share: the jitter is full, not a fixed delay.
    for (let quarter = 0; quarter < 4; quarter += 1) {
      const inQuarter = delays.filter((d) => Math.floor(d / 1000) === quarter).length;
      expect(inQuarter).toBeGreaterThan(350);
    }
  });
});

describe('a refresh that fails for a while', () => {
  it.each<[string, Fault, Record<string, unknown>]>([
    ['a dropped connection', 'drop', { code: 'network_error', retryable: true }],
    [
      'a timeout',
      () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      },
      { code: 'network_error', retryable: true },
    ],
    ['a 503', new Response('busy', { status: 503 }), { code: 'server_error', status: 503 }],
    [
      'a 500 with a Qlik error body',
      Response.json({ errors: [{ code: 'HTTP-500', title: 'Oops' }] }, { status: 500 }),
      { code: 'server_error', status: 500, retryable: true },
    ],
    ['a 502 HTML page', html(502), { code: 'server_error', status: 502, retryable: true }],
    [
      'a 429',
      // No wait named (see rate-limits.test.ts for one that is): the backoff decides.
      new Response('slow down', { status: 429 }),
      { code: 'server_error', status: 429, retryable: true },
    ],
    ['an HTML page with 200 (a captive portal)', html(200), { code: 'invalid_response' }],
    [
      'a 403 (user disabled)',
      qlikError(403, 'access_denied', 'the user is disabled'),
      { code: 'request_rejected', status: 403, retryable: false },
    ],
  ])('keeps the session through %s, and says so', async (_label, fault, expected) => {
    const { auth, signIn, clock, tenant, create } = setup({ auth: { random: () => 0.5 } });
    await signIn(auth);
    const token = await auth.getToken();
    tenant.failNext('/oauth/token', fault);
    clock.time = START + HOUR - 30_000;
    // The token is still valid for 30 s: it is the answer while the refresh fails.
    expect(await auth.getToken()).toBe(token);
    const { error } = auth.getSnapshot();
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject(expected);
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', refreshing: true });
    // The stored session is intact: a reload is still signed in.
    expect((await settled(create({ autoRefresh: false }))).status).toBe('signedIn');
    // After the backoff (0.5 * 1 s), the tenant answers again and all is well.
    clock.time += 500;
    const renewed = await auth.getToken();
    expect(renewed).not.toBe(token);
    expect(auth.getSnapshot()).toEqual({
      status: 'signedIn',
      expiresAt: clock.time + HOUR,
      scopes: ['user_default', 'offline_access'],
      user: {
        subject: 'auth0|alice',
        id: 'user-alice',
        tenantId: 'emulator-tenant',
        name: 'Alice',
      },
      renewable: true,
    });
    expect(tenant.stats.reuseDetections).toBe(0);
  });

  it('rejects getToken with the retryable error once the token has really expired', async () => {
    const { auth, signIn, clock, tenant } = setup({ auth: { random: () => 0.5 } });
    await signIn(auth);
    tenant.failNext('/oauth/token', new Response('busy', { status: 503 }), 'drop');
    clock.time = START + HOUR;
    expect(await rejectionOf(auth.getToken())).toMatchObject({
      code: 'server_error',
      retryable: true,
    });
    expect(auth.getSnapshot().status).toBe('signedIn');
    // Within the backoff, no request: the last failure answers.
    const requests = tenant.requests.length;
    expect(await rejectionOf(auth.getToken())).toMatchObject({ code: 'server_error' });
    expect(tenant.requests.length).toBe(requests);
    clock.time += 500;
    expect(await rejectionOf(auth.getToken())).toMatchObject({ code: 'network_error' });
    // The second failure doubles the bound: 0.5 * 2 s.
    clock.time += 999;
    expect(await rejectionOf(auth.getToken())).toMatchObject({ code: 'network_error' });
    expect(tenant.requests.length).toBe(requests + 1);
    clock.time += 1;
    expect(await auth.getToken()).toMatch(/^ey/);
    expect(auth.getSnapshot().error).toBeUndefined();
  });

  it('retries in the background with exponential backoff and jitter', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, clock, tenant } = setup({
      tenant: { accessTokenTtlSeconds: 120 },
      auth: { random: () => 0.5 },
    });
    await signIn(auth);
    const locks = installWebLocks();
    const attempts: number[] = [];
    const failing = () => (attempts.push(clock.time), new Response('busy', { status: 503 }));
    tenant.failNext('/oauth/token', ...Array<Fault>(6).fill(failing));
    const errors = new Set<unknown>();
    auth.subscribe(() => errors.add(auth.getSnapshot().error ?? errors));
    while (tenant.grants('refresh_token').length < 7 && clock.time < START + 120_000) {
      clock.time += 100;
      await vi.advanceTimersByTimeAsync(100);
      // Let an attempt finish before the clock moves on, as it would in real time.
      const failed = Math.min(tenant.grants('refresh_token').length, 6);
      await eventually(() => !locks.busy() && errors.size - (errors.has(errors) ? 1 : 0) >= failed);
    }
    expect(attempts[0]).toBe(START + 60_000);
    const waits = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000]);
    await eventually(() => auth.getSnapshot().refreshing === undefined);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      expiresAt: clock.time + 120_000,
    });
    expect(tenant.grants('refresh_token')).toHaveLength(7);
  });

  it('caps the backoff at 30 s', async () => {
    const { auth, signIn, clock, tenant } = setup({
      auth: { random: () => 1 - Number.EPSILON, autoRefresh: false },
    });
    await signIn(auth);
    clock.time = START + HOUR;
    for (let failure = 1; failure <= 8; failure += 1) {
      tenant.failNext('/oauth/token', 'drop');
      await rejectionOf(auth.getToken());
      const bound = Math.min(30_000, 1000 * 2 ** (failure - 1));
      const requests = tenant.requests.length;
      clock.time += bound - 1;
      await rejectionOf(auth.getToken());
      expect(tenant.requests.length).toBe(requests);
      clock.time += 1;
    }
    expect(await auth.getToken()).toMatch(/^ey/);
  });

  it('waits for the online event while offline, then refreshes at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, clock, tenant } = setup({ tenant: { accessTokenTtlSeconds: 120 } });
    await signIn(auth);
    const token = await auth.getToken();
    setOnline(false);
    clock.time += 61_000;
    await vi.advanceTimersByTimeAsync(61_000);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      refreshing: true,
      offline: true,
    });
    // Valid for another minute: still the answer; then a retryable error, never a sign-out.
    expect(await auth.getToken()).toBe(token);
    clock.time += 5 * 60_000;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(await rejectionOf(auth.getToken())).toMatchObject({
      code: 'network_error',
      retryable: true,
    });
    expect(tenant.grants('refresh_token')).toHaveLength(0);
    expect(auth.getSnapshot().status).toBe('signedIn');

    setOnline(true);
    window.dispatchEvent(new Event('online'));
    await eventually(() => auth.getSnapshot().expiresAt === clock.time + 120_000);
    expect(auth.getSnapshot().offline).toBeUndefined();
    expect(auth.getSnapshot().refreshing).toBeUndefined();
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('retries at once when the browser comes back online, whatever the backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, clock, tenant } = setup({
      auth: { random: () => 1 - Number.EPSILON },
    });
    await signIn(auth);
    tenant.failNext('/oauth/token', 'drop', 'drop', 'drop', 'drop');
    clock.time = START + HOUR;
    for (let failures = 1; failures <= 4; failures += 1) {
      await rejectionOf(auth.getToken({ forceRefresh: true }));
    }
    window.dispatchEvent(new Event('online'));
    await eventually(() => tenant.grants('refresh_token').length === 5);
    await eventually(() => auth.getSnapshot().error === undefined);
  });
});

describe('storage that fails during a session', () => {
  it('keeps the session when IndexedDB fails after it has worked', async () => {
    const { auth, signIn, clock, tenant, warnings } = setup();
    await signIn(auth);
    // From now on, every read fails (a hung or broken disk): the stored session is out of reach.
    vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
      throw new DOMException('the disk is gone', 'UnknownError');
    });
    clock.time = START + HOUR;
    // The refresh uses the session in memory instead, and nobody is signed out.
    expect(await auth.getToken()).toMatch(/^ey/);
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', expiresAt: clock.time + HOUR });
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(warnings.join()).not.toMatch(/memory/);
    vi.restoreAllMocks();
  });
});

describe('a refresh token the tenant rejects for good', () => {
  it.each<[string, (tenant: ReturnType<typeof setup>['tenant']) => void, Record<string, unknown>]>([
    [
      'revoked on the server (Qlik 401 invalid_grant)',
      (tenant) => tenant.revokeAll(),
      {
        status: 401,
        error: 'invalid_grant',
        message: 'the refresh token has been revoked',
        qlikErrors: [expect.objectContaining({ meta: { error: 'invalid_grant' } })],
      },
    ],
    [
      'refused with an RFC 6749 400 invalid_grant',
      (tenant) =>
        tenant.failNext(
          '/oauth/token',
          Response.json({ error: 'invalid_grant', error_description: 'expired' }, { status: 400 }),
        ),
      { status: 400, error: 'invalid_grant', message: 'expired' },
    ],
    [
      'refused with a 401 invalid_client',
      (tenant) => tenant.failNext('/oauth/token', qlikError(401, 'invalid_client', 'no client')),
      { status: 401, error: 'invalid_client' },
    ],
    [
      // Qlik's published answers carry no RFC 6749 name (no `meta`); its OpenAPI says a 401
      // means "the code or token used can be deleted by the client".
      'refused with a 401 whose Qlik body names no RFC 6749 error',
      (tenant) =>
        tenant.failNext('/oauth/token', {
          status: 401,
          body: {
            errors: [
              { code: 'OAUTH-2', title: 'Invalid token', detail: 'token unknown', status: '401' },
            ],
            traceId: 'trace-1',
          },
        }),
      { status: 401, message: 'token unknown', traceId: 'trace-1' },
    ],
    [
      'already used by someone else (reuse detection)',
      (tenant) => {
        // A thief replays the stolen refresh token first; the tenant rotates it away.
        const [stolen] = tenant.refreshTokens;
        void tenant.fetch(`${tenant.origin}/oauth/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: stolen!,
            client_id: tenant.clientId,
          }),
        });
      },
      { status: 401, message: 'the refresh token was already used; its grant is revoked' },
    ],
  ])('ends the session when %s, with session_expired', async (_label, reject, expected) => {
    const { auth, signIn, clock, tenant, create } = setup();
    await signIn(auth);
    reject(tenant);
    const snapshots = record(auth);
    clock.time = START + HOUR - 30_000;
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({ code: 'session_expired', retryable: false, ...expected });
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut', error });
    expect(snapshots.filter((s) => s.status === 'signedOut')).toHaveLength(1);
    expect((await rejectionOf(auth.getToken())).code).toBe('not_signed_in');
    expect((await settled(create())).status).toBe('signedOut');
  });

  it('ends it for an expired refresh token too', async () => {
    const { auth, signIn, clock } = setup({ tenant: { refreshTokenTtlSeconds: 2 * 3600 } });
    await signIn(auth);
    clock.time = START + 3 * HOUR;
    expect(await rejectionOf(auth.getToken())).toMatchObject({
      code: 'session_expired',
      message: 'the refresh token has expired',
    });
  });

  it('ends it once, however many callers and timers ask', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    tenant.revokeAll();
    const snapshots = record(auth);
    clock.time = START + 2 * HOUR;
    const calls = Array.from({ length: 20 }, () => rejectionOf(auth.getToken()));
    await vi.advanceTimersByTimeAsync(60_000);
    const errors = await Promise.all(calls);
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]!.code).toBe('session_expired');
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(snapshots.filter((s) => s.status === 'signedOut')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never puts a token in the error', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    const accessToken = await auth.getToken();
    const [refreshToken] = tenant.refreshTokens;
    tenant.revokeAll();
    clock.time = START + HOUR;
    const error = await rejectionOf(auth.getToken());
    const seen = new WeakSet();
    const dump = JSON.stringify({ error, message: error.message, cause: error.cause }, (_k, v) =>
      typeof v === 'object' && v !== null ? (seen.has(v) ? undefined : (seen.add(v), v)) : v,
    );
    expect(dump).not.toContain(accessToken);
    expect(dump).not.toContain(refreshToken);
  });
});
