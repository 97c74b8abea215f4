import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTenant, stateOf } from '../src/create-tenant.js';
import { QLIK_RATE_LIMITS, defaultConfig } from '../src/config/config.js';
import { ConfigError } from '../src/config/validate.js';
import {
  ALAN,
  APP_ORIGIN,
  CLIENT_ID,
  authorizeParams,
  controlApi,
  controlOk,
  expectError,
  getAuthorize,
  json,
  pkce,
  postRevoke,
  postToken,
  refresh,
  signIn,
  emulatorPerTest,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

// Qlik Cloud's API rate limits (https://qlik.dev/apis/rest/rate-limiting): per tier, per user,
// per tenant; Tier 2 (token, revoke) 100 a minute and Tier 1 (authorize) 1,000 a minute, each over
// a 5-minute window; over it, 429 with Retry-After and Qlik's errors body.

interface RateLimitedEntry {
  code: string;
  title: string;
  detail?: string;
}

/** Asserts Qlik's 429: `Retry-After` of `seconds` and the body of qlik.dev's example. */
async function expectRateLimited(res: Response, seconds: number): Promise<RateLimitedEntry> {
  expect(res.headers.get('retry-after')).toBe(String(seconds));
  const entry = await expectError(res, 429, 'HTTP-429');
  expect(entry.title).toBe('API rate limit reached.');
  expect(entry.detail).toBe(`You need to wait ${seconds} seconds until limit is lifted.`);
  return entry;
}

describe('the default config', () => {
  it('has Qlik Cloud’s limits on, with Retry-After not exposed to pages (not documented)', () => {
    expect(QLIK_RATE_LIMITS).toEqual({
      tier1PerMinute: 1000,
      tier2PerMinute: 100,
      windowMinutes: 5,
    });
    expect(defaultConfig()).toMatchObject({
      rateLimiting: true,
      tier1RateLimitPerMinute: 1000,
      tier2RateLimitPerMinute: 100,
      rateLimitWindowMinutes: 5,
      exposeRetryAfter: false,
    });
  });

  it('refuses invalid limits, naming the setting', () => {
    for (const [key, value] of [
      ['rateLimiting', 'yes'],
      ['exposeRetryAfter', 1],
      ['tier2RateLimitPerMinute', 0],
      ['tier2RateLimitPerMinute', 1.5],
      ['tier1RateLimitPerMinute', -1],
      ['rateLimitWindowMinutes', 61],
      ['rateLimitWindowMinutes', 0],
    ] as const) {
      expect(() => createTenant({ [key]: value }), `${key}: ${value}`).toThrow(ConfigError);
      expect(() => createTenant({ [key]: value })).toThrow(key);
    }
  });
});

describe('Tier 2 with Qlik’s numbers: /oauth/token and /oauth/revoke', () => {
  it('answers 500 requests of a client in 5 minutes, then 429 until the window ends', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    // In process (tenant.fetch): 500 requests over HTTP take longer than a test should.
    const tenant = createTenant({}, { now: () => now });
    // Revocations of unknown tokens (200, RFC 7009) name no user: they count for the client.
    const revoke = () =>
      tenant.fetch('http://localhost/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'unknown', client_id: CLIENT_ID }),
      });
    for (let i = 0; i < 500; i += 1) {
      const res = await revoke();
      expect(res.status, `request ${i + 1}`).toBe(200);
      if (i % 100 === 99) now += 30_000;
    }
    // 2.5 minutes into the window: 150 seconds left.
    await expectRateLimited(await revoke(), 150);
    now += 149_000;
    await expectRateLimited(await revoke(), 1);
    now += 1000;
    expect((await revoke()).status).toBe(200);
  });
});

describe('Tier 2 limits', () => {
  let clock: ManualClock;
  let base: string;
  // A budget of 3 requests in a 2-minute window.
  const config = { tier2RateLimitPerMinute: 1, rateLimitWindowMinutes: 2 } as const;
  // 3 = 1 per minute over... no: budget = perMinute × window = 2; set per minute 2 for 4.
  emulatorPerTest(
    { ...config, tier2RateLimitPerMinute: 2 },
    (started) => ({ clock, base } = started),
  );

  it('refuses a user’s refresh over the budget without rotating the refresh token', async () => {
    const { tokens } = await signIn(base); // 1: the code exchange
    let current = tokens.refresh_token!;
    for (let i = 0; i < 3; i += 1) {
      const res = await refresh(base, current); // 2, 3, 4
      expect(res.status).toBe(200);
      current = (await json<TokenBody>(res)).refresh_token!;
    }
    clock.advance(20);
    await expectRateLimited(await refresh(base, current), 100);
    // Revocation is the same tier: refused too, and nothing is revoked.
    await expectRateLimited(await postRevoke(base, { token: current }), 100);
    clock.advance(100);
    // The refused requests did nothing: the same token refreshes, no reuse was detected.
    expect((await refresh(base, current)).status).toBe(200);
    const stats = await controlOk<{ reuseDetections: number; revocations: number }>(
      base,
      'GET',
      '/stats',
    );
    expect(stats).toMatchObject({ reuseDetections: 0, revocations: 0 });
  });

  it('keeps a budget per user: another user of the same client is not limited', async () => {
    const ada = await signIn(base);
    let current = ada.tokens.refresh_token!;
    for (let i = 0; i < 3; i += 1) {
      current = (await json<TokenBody>(await refresh(base, current))).refresh_token!;
    }
    await expectRateLimited(await refresh(base, current), 120);
    const alan = await signIn(base, { user: ALAN.id });
    expect(alan.tokens.access_token).toBeTruthy();
    expect((await refresh(base, alan.tokens.refresh_token!)).status).toBe(200);
  });

  it('logs each 429 in the request log with its Retry-After', async () => {
    const body = { token: 'unknown', client_id: CLIENT_ID };
    for (let i = 0; i < 4; i += 1) expect((await postRevoke(base, body)).status).toBe(200);
    await expectRateLimited(await postRevoke(base, body), 120);
    const { data } = await controlOk<{ data: Record<string, unknown>[] }>(base, 'GET', '/requests');
    expect(data.at(-1)).toMatchObject({
      path: '/oauth/revoke',
      status: 429,
      error: 'HTTP-429',
      retryAfter: 120,
    });
  });

  it('answers an allowed origin’s 429 with CORS; exposes Retry-After only when configured', async () => {
    const body = { token: 'unknown', client_id: CLIENT_ID };
    const headers = { origin: APP_ORIGIN };
    for (let i = 0; i < 4; i += 1) await postRevoke(base, body, { headers });
    let res = await postRevoke(base, body, { headers });
    expect(res.status).toBe(429);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
    await controlOk(base, 'PATCH', '/config', { exposeRetryAfter: true });
    res = await postRevoke(base, body, { headers });
    expect(res.status).toBe(429);
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('changes at run time: off, then a higher limit', async () => {
    const body = { token: 'unknown', client_id: CLIENT_ID };
    for (let i = 0; i < 4; i += 1) await postRevoke(base, body);
    expect((await postRevoke(base, body)).status).toBe(429);
    await controlOk(base, 'PATCH', '/config', { rateLimiting: false });
    expect((await postRevoke(base, body)).status).toBe(200);
    await controlOk(base, 'PATCH', '/config', { rateLimiting: true, tier2RateLimitPerMinute: 3 });
    expect((await postRevoke(base, body)).status).toBe(200);
    expect((await postRevoke(base, body)).status).toBe(200);
    expect((await postRevoke(base, body)).status).toBe(429);
    const refused = await controlApi(base, 'PATCH', '/config', { tier2RateLimitPerMinute: 0 });
    expect((await expectError(refused, 400)).detail).toMatch(/tier2RateLimitPerMinute/);
  });

  it('keys machine-to-machine grants by their client', async () => {
    const backend = {
      clientId: 'backend',
      clientSecret: 's3cret',
      appType: 'web' as const,
      redirectUris: [],
    };
    await controlOk(base, 'POST', '/reset');
    // The per-test tenant has the default clients; a tenant of its own has the backend.
    const tenant = createTenant({ ...config, tier2RateLimitPerMinute: 1, clients: [backend] }); // budget 2
    const credentials = (id = backend.clientId) => ({
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: 's3cret',
    });
    const post = (body: Record<string, string>) =>
      tenant.fetch('http://localhost/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(credentials())).status).toBe(200);
    expect((await post(credentials())).status).toBe(200);
    expect((await post(credentials())).status).toBe(429);
    // An unknown client has no budget of its own: it shares the anonymous one.
    expect((await post(credentials('nobody'))).status).toBe(401);
  });
});

describe('Tier 1: /oauth/authorize', () => {
  let base: string;
  emulatorPerTest(
    { tier1RateLimitPerMinute: 1, rateLimitWindowMinutes: 1 },
    (started) => ({ base } = started),
  );

  it('refuses a user’s authorization requests over the Tier 1 budget', async () => {
    // The login page and its form: the client's and the anonymous budget (no session yet).
    const { cookie, tokens } = await signIn(base);
    const params = () => authorizeParams(pkce().challenge);
    expect((await getAuthorize(base, params(), cookie)).status).toBe(302); // the user's first
    await expectRateLimited(await getAuthorize(base, params(), cookie), 60);
    // The token endpoint is another tier.
    expect((await refresh(base, tokens.refresh_token!)).status).toBe(200);
  });
});

describe('faults', () => {
  let base: string;
  emulatorPerTest(undefined, (started) => ({ base } = started));

  it('a 429 fault with retryAfter answers as Qlik does, once', async () => {
    const fault = await controlOk<{ id: string; retryAfter: number }>(base, 'POST', '/faults', {
      path: '/oauth/token',
      status: 429,
      retryAfter: 13,
      times: 1,
    });
    expect(fault.retryAfter).toBe(13);
    const { tokens } = await (async () => {
      const res = await refresh(base, 'whatever');
      await expectRateLimited(res, 13);
      return signIn(base);
    })();
    expect(tokens.access_token).toBeTruthy();
    const { data } = await controlOk<{ data: Record<string, unknown>[] }>(base, 'GET', '/requests');
    expect(data.find((entry) => entry.status === 429)).toMatchObject({
      fault: 'status',
      retryAfter: 13,
    });
  });

  it('exposes the fault’s Retry-After to an allowed origin only when configured', async () => {
    await controlOk(base, 'POST', '/faults', { path: '/oauth/token', status: 429, retryAfter: 2 });
    const headers = { origin: APP_ORIGIN };
    let res = await postToken(base, { grant_type: 'refresh_token' }, { headers });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
    await controlOk(base, 'PATCH', '/config', { exposeRetryAfter: true });
    res = await postToken(base, { grant_type: 'refresh_token' }, { headers });
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('refuses a retryAfter without a status, or out of range', async () => {
    for (const fault of [
      { path: '/oauth/token', retryAfter: 5, delayMs: 10 },
      { path: '/oauth/token', status: 429, retryAfter: -1 },
      { path: '/oauth/token', status: 429, retryAfter: 1.5 },
    ]) {
      await expectError(await controlApi(base, 'POST', '/faults', fault), 400);
    }
  });
});

describe('bounded state', () => {
  afterEach(() => vi.useRealTimers());

  it('forgets ended windows in the sweep, and on reset', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const tenant = createTenant({}, { now: () => now });
    const state = stateOf(tenant);
    const revoke = () =>
      tenant.fetch('http://localhost/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'unknown', client_id: CLIENT_ID }),
      });
    await revoke();
    expect(state.held().rateLimitWindows).toBe(1);
    now += 5 * 60_000;
    state.sweep();
    expect(state.held().rateLimitWindows).toBe(0);
    await revoke();
    tenant.reset();
    expect(state.held().rateLimitWindows).toBe(0);
  });
});

describe('client limits: at most 5 redirect URIs and 5 allowed origins', () => {
  const uris = (n: number) =>
    Array.from({ length: n }, (_, i) => `http://localhost:${3000 + i}/cb`);
  const origins = (n: number) =>
    Array.from({ length: n }, (_, i) => `http://localhost:${3000 + i}`);

  it('takes a client with 5 of each', () => {
    const client = { clientId: 'five', redirectUris: uris(5), allowedOrigins: origins(5) };
    expect(() => createTenant({ clients: [client] })).not.toThrow();
  });

  it('refuses a sixth redirect URI or origin, naming the client and the setting', () => {
    expect(() =>
      createTenant({ clients: [{ clientId: 'many-uris', redirectUris: uris(6) }] }),
    ).toThrow(/clients\[0\]\.redirectUris of client many-uris has 6 entries.*at most 5/);
    expect(() =>
      createTenant({
        clients: [
          { clientId: 'ok', redirectUris: [] },
          { clientId: 'many-origins', redirectUris: uris(1), allowedOrigins: origins(6) },
        ],
      }),
    ).toThrow(/clients\[1\]\.allowedOrigins of client many-origins has 6 entries/);
  });

  it('holds the built-in demo clients to it too: one callback page per app origin', () => {
    const [spa, native] = defaultConfig().clients;
    for (const client of [spa!, native!]) {
      expect(client.redirectUris.length).toBeLessThanOrEqual(5);
      expect(client.allowedOrigins!.length).toBeLessThanOrEqual(5);
      for (const origin of client.allowedOrigins!) {
        expect(client.redirectUris).toContain(`${origin}/callback`);
      }
    }
    expect(() => createTenant()).not.toThrow();
    expect(() => createTenant({ clients: [spa!, native!] })).not.toThrow();
    expect(() =>
      createTenant({
        clients: [{ ...spa!, redirectUris: [...spa!.redirectUris, 'http://localhost:1/'] }],
      }),
    ).toThrow(/redirectUris of client demo-spa has 6 entries/);
  });
});
