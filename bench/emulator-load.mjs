#!/usr/bin/env node
// One run of the emulator's load generator, in a process of its own; prints one JSON line.
// `emulator.mjs` runs it several times and prints the medians. The tenant is driven in this
// process through its fetch handler (`createTenant().fetch`, no socket): what is measured is the
// tenant's own work (routing, PKCE, signing, state), not HTTP.
//
//   node emulator-load.mjs sign-ins      sign-in cost at 1,000 and at 20,000 grants issued
//   node --expose-gc emulator-load.mjs refreshes
//                                        refreshes per second, and the live heap after a forced
//                                        GC before and after 100,000 refreshes
//
// BENCH_EMULATOR_GRANTS and BENCH_EMULATOR_REFRESHES change 20,000 and 100,000 (for a smoke run).
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTenant } from '@qlik-auth/emulator';

const BASE = 'http://localhost:8787';
/** The history the second sign-in figure is taken at, and the refreshes the heap is read across. */
const GRANTS = Number(process.env.BENCH_EMULATOR_GRANTS ?? 20_000);
const REFRESHES = Number(process.env.BENCH_EMULATOR_REFRESHES ?? 100_000);
const REDIRECT_URI = 'http://localhost:5173/callback';
/** Browsers signing in and refreshing at once, as in the load test of issue 17. */
const CONCURRENCY = 50;

/** A user per browser. */
const users = Array.from({ length: CONCURRENCY }, (_, i) => ({
  id: `user-${i}`,
  subject: `bench|${i}`,
  name: `User ${i}`,
  email: `user${i}@example.com`,
}));

/**
 * One browser: its user, its login session cookie at the tenant (after its first sign-in), and
 * the refresh token it holds.
 */
function browser(i) {
  return { user: users[i], cookie: undefined, refreshToken: undefined };
}

/** The whole sign-in of a browser: authorize (its session, else autoApprove), then the code. */
async function signIn(tenant, who) {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL('/oauth/authorize', BASE);
  for (const [key, value] of Object.entries({
    client_id: 'demo-native',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'user_default offline_access',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: who.user.email,
  })) {
    url.searchParams.set(key, value);
  }
  const redirect = await tenant.fetch(url, {
    redirect: 'manual',
    headers: who.cookie ? { cookie: who.cookie } : {},
  });
  const cookie = redirect.headers.getSetCookie()[0];
  if (cookie) who.cookie = cookie.split(';')[0];
  const code = new URL(redirect.headers.get('location')).searchParams.get('code');
  if (!code) throw new Error(`no code: ${redirect.status} ${redirect.headers.get('location')}`);
  const body = await token(tenant, {
    grant_type: 'authorization_code',
    client_id: 'demo-native',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
  });
  who.refreshToken = body.refresh_token;
}

async function token(tenant, params) {
  const res = await tenant.fetch(`${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function refresh(tenant, who) {
  const body = await token(tenant, {
    grant_type: 'refresh_token',
    client_id: 'demo-native',
    refresh_token: who.refreshToken,
  });
  who.refreshToken = body.refresh_token;
}

/** Runs `count` tasks, `concurrency` at a time: task(i, lane) for i in [0, count). */
async function pool(count, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (next < count) await task(next++, lane);
    }),
  );
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
};

/**
 * Sign-ins at a point of the tenant's history: throughput of 500 sign-ins by 50 browsers at
 * once, and the median time of 200 sign-ins one after the other (the cost of one).
 */
async function measureSignIns(tenant, browsers) {
  const started = performance.now();
  await pool(500, CONCURRENCY, (_, lane) => signIn(tenant, browsers[lane]));
  const perSecond = 500 / ((performance.now() - started) / 1000);
  const times = [];
  for (let i = 0; i < 200; i += 1) {
    const one = performance.now();
    await signIn(tenant, browsers[i % CONCURRENCY]);
    times.push(performance.now() - one);
  }
  return { perSecond, msPerSignIn: median(times) };
}

async function signIns() {
  // The real clock: every grant stays live for the whole run (6-hour access tokens, 30-day
  // refresh tokens), the worst case for anything that grows with live grants.
  const tenant = createTenant(
    // Far beyond Qlik Cloud's API rate limits (Tier 2: 100 token requests a minute per user):
    // a load measurement, so the limits are off.
    { autoApprove: true, users, maxTokensPerUser: 1_000_000, rateLimiting: false },
    { controls: false },
  );
  const browsers = users.map((_, i) => browser(i));
  let issued = 0;
  const signInUntil = async (grants) => {
    const count = grants - issued;
    await pool(count, CONCURRENCY, (_, lane) => signIn(tenant, browsers[lane]));
    issued = grants;
  };
  await signInUntil(1000);
  const early = await measureSignIns(tenant, browsers);
  issued += 700;
  await signInUntil(GRANTS);
  const late = await measureSignIns(tenant, browsers);
  return { at1000: early, late, grants: GRANTS };
}

async function refreshes() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  // The tenant's clock moves 100 ms per refresh: 100,000 refreshes are 2.8 hours of its time.
  // The client's access tokens live 15 minutes (Qlik's shortest), so they expire during the run
  // as they would in a tenant left running, and the sweeps have something to do.
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const tenant = createTenant(
    {
      autoApprove: true,
      users,
      // Thousands of refreshes a second, far beyond Qlik Cloud's Tier 2 rate limit: off.
      rateLimiting: false,
      clients: [
        {
          clientId: 'demo-native',
          appType: 'native',
          redirectUris: [REDIRECT_URI],
          scopes: ['user_default', 'offline_access'],
          accessTokenLifetimeMinutes: 15,
        },
      ],
    },
    { now: () => clock, controls: false },
  );
  const browsers = users.map((_, i) => browser(i));
  for (const who of browsers) await signIn(tenant, who);
  // Warm-up, then the heap before: 50 grants, their tokens and login sessions.
  await pool(5000, CONCURRENCY, async (_, lane) => {
    await refresh(tenant, browsers[lane]);
    clock += 100;
  });
  clock += 16 * 60_000;
  await refresh(tenant, browsers[0]);
  const before = liveHeap();

  const started = performance.now();
  await pool(REFRESHES, CONCURRENCY, async (_, lane) => {
    await refresh(tenant, browsers[lane]);
    clock += 100;
  });
  const perSecond = REFRESHES / ((performance.now() - started) / 1000);
  const unswept = liveHeap();
  // Past the last access tokens' 15 minutes; the next write sweeps (a minute of the clock has
  // passed since the last sweep). The 50 grants and their refresh tokens live on.
  clock += 16 * 60_000;
  await refresh(tenant, browsers[0]);
  const after = liveHeap();
  // Every browser's refresh token still works: the grants were kept.
  for (const who of browsers) await refresh(tenant, who);
  return {
    perSecond,
    refreshes: REFRESHES,
    heapBefore: before,
    heapAfterRun: unswept,
    heapAfter: after,
  };
}

/** The live heap in bytes after a full, forced garbage collection. */
function liveHeap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const mode = process.argv[2];
const result =
  mode === 'sign-ins' ? await signIns() : mode === 'refreshes' ? await refreshes() : undefined;
if (!result) throw new Error('usage: emulator-load.mjs sign-ins | refreshes');
console.log(JSON.stringify(result));
