// A tenant that runs for days holds what its rules need and nothing more: ended records are
// swept on a timer and on writes, both by the tenant's own clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTenant, stateOf, type EmulatedTenant } from '../src/create-tenant.js';
import { startEmulator } from '../src/hosts/server.js';
import { SWEEP_INTERVAL_MS } from '../src/state/sweep.js';
import {
  ADA,
  ALAN,
  REDIRECT_URI,
  SPA_CLIENT_ID,
  authorizeParams,
  authorizeUrl,
  manualClock,
  pkce,
  type TokenBody,
} from './helpers.js';

const BASE = 'http://localhost';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

afterEach(() => {
  vi.useRealTimers();
});

/** A token request answered by the tenant's handler. */
async function token(tenant: EmulatedTenant, body: Record<string, string>) {
  const res = await tenant.fetch(`${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as TokenBody & { errors?: unknown[] } };
}

/** A whole sign-in with autoApprove (no cookie: each starts a login session). */
async function signIn(
  tenant: EmulatedTenant,
  { clientId = 'demo-native', user = ADA.email } = {},
): Promise<TokenBody> {
  const { verifier, challenge } = pkce();
  const scope = clientId === SPA_CLIENT_ID ? 'user_default' : 'user_default offline_access';
  const params = authorizeParams(challenge, { client_id: clientId, scope, login_hint: user });
  const redirect = await tenant.fetch(authorizeUrl(BASE, params), { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location')!).searchParams.get('code');
  expect(code, 'the tenant redirects back with a code').toBeTruthy();
  const { status, body } = await token(tenant, {
    grant_type: 'authorization_code',
    client_id: clientId,
    code: code!,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

const refresh = (tenant: EmulatedTenant, refreshToken: string) =>
  token(tenant, {
    grant_type: 'refresh_token',
    client_id: 'demo-native',
    refresh_token: refreshToken,
  });

const me = async (tenant: EmulatedTenant, accessToken: string) =>
  (
    await tenant.fetch(`${BASE}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
  ).status;

/** A sign-in transaction waiting for the login page (autoApprove off). */
async function waitingSignIn(tenant: EmulatedTenant): Promise<void> {
  const params = authorizeParams(pkce().challenge);
  expect((await tenant.fetch(authorizeUrl(BASE, params))).status).toBe(200);
}

const ACTIVE_TIMERS = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('a tenant that runs for days', () => {
  it('forgets ended records on its timer, by its own clock: a fake clock moves it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const tenant = createTenant({ autoApprove: true });
    const state = stateOf(tenant);
    const native = await signIn(tenant);
    await signIn(tenant, { clientId: SPA_CLIENT_ID, user: ALAN.email });
    const websocket = await token(tenant, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      client_id: 'demo-native',
      subject_token: native.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      purpose: 'websocket',
    });
    expect(websocket.status).toBe(200);
    tenant.configure({ autoApprove: false });
    await waitingSignIn(tenant);
    expect(state.held()).toEqual({
      pendingSignIns: 1,
      loginSessions: 2,
      codes: 2,
      grants: 2,
      accessTokens: 3,
      // Tier 1 (authorize) and Tier 2 (token) windows of the two sign-ins' users and clients.
      rateLimitWindows: 4,
    });

    // Past the codes' minute, the purpose token's 5 minutes, the transaction's 10 and the login
    // sessions' 30 minutes without use (and the 5-minute rate limit windows): only the grants and
    // their access tokens are left.
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(state.held()).toEqual({
      pendingSignIns: 0,
      loginSessions: 0,
      codes: 0,
      grants: 2,
      accessTokens: 2,
      rateLimitWindows: 0,
    });

    // Past the access tokens' 6 hours: the single-page app's grant had nothing else and is over;
    // the native grant lives on in its refresh token, which still works.
    await vi.advanceTimersByTimeAsync(6 * HOUR);
    expect(state.held()).toMatchObject({ grants: 1, accessTokens: 0 });
    const refreshed = await refresh(tenant, native.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(state.held()).toMatchObject({ grants: 1, accessTokens: 1 });

    // And past the refresh token's 30 days, nothing at all, and the refresh token has expired.
    await vi.advanceTimersByTimeAsync(30 * 24 * HOUR);
    expect(state.held()).toEqual({
      pendingSignIns: 0,
      loginSessions: 0,
      codes: 0,
      grants: 0,
      accessTokens: 0,
      rateLimitWindows: 0,
    });
    const late = await refresh(tenant, refreshed.body.refresh_token!);
    expect(late.status).toBe(401);
    expect(JSON.stringify(late.body)).toContain('the refresh token has expired');
    // Thirty days of a once-a-minute timer are 43,000 fake ticks: a few seconds on a busy machine.
  }, 30_000);

  it('sweeps on a write once a minute of its clock has passed, with no timer at all', async () => {
    const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
    const tenant = createTenant({ autoApprove: true }, { now: clock.now });
    const state = stateOf(tenant);
    await signIn(tenant, { clientId: SPA_CLIENT_ID });
    clock.advance(6 * 3600);
    // No timer has fired (it counts real minutes): the ended grant is still held ...
    expect(state.held()).toMatchObject({ grants: 1, accessTokens: 1, codes: 1 });
    // ... until the next write, which comes after a minute of the tenant's clock.
    await signIn(tenant, { clientId: SPA_CLIENT_ID });
    expect(state.held()).toMatchObject({ grants: 1, accessTokens: 1, codes: 1, loginSessions: 1 });
    // Within the minute, writes do not sweep: one more sign-in adds to what is held.
    clock.advance(SWEEP_INTERVAL_MS / 1000 - 1);
    await signIn(tenant, { clientId: SPA_CLIENT_ID });
    expect(state.held()).toMatchObject({ grants: 2, codes: 2, loginSessions: 2 });
  });

  it('forgets a revoked grant at once, refusing its refresh token as revoked, and its access tokens at the next sweep', async () => {
    const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
    const tenant = createTenant({ autoApprove: true }, { now: clock.now });
    const state = stateOf(tenant);
    const tokens = await signIn(tenant);
    expect(tenant.revokeUser(ADA.id)).toBe(1);
    expect(state.held()).toMatchObject({ grants: 0, accessTokens: 1 });
    expect(await me(tenant, tokens.access_token)).toBe(401);
    // Touched and found revoked: forgotten then, before any sweep.
    expect(state.held()).toMatchObject({ accessTokens: 0 });
    const refused = await refresh(tenant, tokens.refresh_token!);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).toContain('the refresh token has been revoked');
  });

  it('detects the reuse of any rotated-out refresh token while its grant lives, holding one record for the grant', async () => {
    const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
    const tenant = createTenant(
      { autoApprove: true, accessTokenTtlSeconds: 60 },
      { now: clock.now },
    );
    const state = stateOf(tenant);
    const first = await signIn(tenant);
    let current = first.refresh_token!;
    for (let i = 0; i < 50; i += 1) {
      clock.advance(61);
      const next = await refresh(tenant, current);
      expect(next.status).toBe(200);
      current = next.body.refresh_token!;
    }
    // Fifty rotations later: one grant, and only the access tokens that have not expired.
    expect(state.held()).toMatchObject({ grants: 1, accessTokens: 1 });
    const reused = await refresh(tenant, first.refresh_token!);
    expect(reused.status).toBe(401);
    expect(JSON.stringify(reused.body)).toContain('already used');
    expect(tenant.stats().reuseDetections).toBe(1);
    expect((await refresh(tenant, current)).status).toBe(401);
    expect(state.held()).toMatchObject({ grants: 0 });
  });

  it('counts only live grants toward maxTokensPerUser: ended ones make room at once', async () => {
    const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
    const tenant = createTenant(
      { autoApprove: true, maxTokensPerUser: 2, accessTokenTtlSeconds: 900 },
      { now: clock.now },
    );
    await signIn(tenant, { clientId: SPA_CLIENT_ID });
    await signIn(tenant, { clientId: SPA_CLIENT_ID });
    clock.advance(899);
    // This refused sign-in's writes sweep (a minute has passed), while both grants still live.
    await expect(signIn(tenant, { clientId: SPA_CLIENT_ID })).rejects.toThrow(/403/);
    // Two seconds on, both grants' only tokens have expired; no sweep runs within the minute.
    clock.advance(2);
    expect(stateOf(tenant).held().grants).toBe(2);
    const again = await signIn(tenant, { clientId: SPA_CLIENT_ID });
    expect(await me(tenant, again.access_token)).toBe(200);
    expect(stateOf(tenant).held().grants).toBe(1);
  });

  it('runs its timer only while it holds anything, never keeping Node alive; reset and close stop it', async () => {
    const tenant = createTenant({ autoApprove: true });
    const state = stateOf(tenant);
    expect(state.sweeping).toBe(false);
    const timers = ACTIVE_TIMERS();
    await signIn(tenant);
    expect(state.sweeping).toBe(true);
    expect(ACTIVE_TIMERS(), 'the sweep timer is unref’d').toBe(timers);
    tenant.reset();
    expect(state.sweeping).toBe(false);

    await signIn(tenant);
    const server = await startEmulator({ port: 0, tenant });
    expect(state.sweeping).toBe(true);
    await server.close();
    expect(state.sweeping).toBe(false);
  });
});
