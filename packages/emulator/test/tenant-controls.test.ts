import { describe, expect, it } from 'vitest';
import { createTenant, type EmulatedTenant } from '../src/index.js';
import {
  ADA,
  ALAN,
  authorizeParams,
  expectError,
  json,
  manualClock,
  pkce,
  redirectTarget,
  REDIRECT_URI,
  type TokenBody,
} from './helpers.js';

const BASE = 'http://localhost';

/** Signs a user in through the handler alone (autoApprove + login_hint). */
async function signIn(tenant: EmulatedTenant, userId = ADA.id): Promise<TokenBody> {
  const { verifier, challenge } = pkce();
  const authorize = new URL('/oauth/authorize', BASE);
  for (const [key, value] of Object.entries(authorizeParams(challenge, { login_hint: userId }))) {
    if (value !== undefined) authorize.searchParams.set(key, value);
  }
  const code = redirectTarget(await tenant.fetch(authorize)).searchParams.get('code')!;
  const res = await tenant.fetch(`${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: 'demo-native',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    }),
  });
  expect(res.status).toBe(200);
  return json<TokenBody>(res);
}

const me = (tenant: EmulatedTenant, token: string) =>
  tenant.fetch(`${BASE}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });

const refresh = (tenant: EmulatedTenant, refreshToken: string) =>
  tenant.fetch(`${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'refresh_token',
      client_id: 'demo-native',
      refresh_token: refreshToken,
    }),
  });

describe('the control methods of a tenant', () => {
  it('expireAccessTokens makes the user’s access tokens expired; a refresh still works', async () => {
    const tenant = createTenant({ autoApprove: true });
    const ada = await signIn(tenant);
    const alan = await signIn(tenant, ALAN.id);
    expect(tenant.expireAccessTokens(ADA.id)).toBe(1);
    await expectError(await me(tenant, ada.access_token), 401);
    expect((await me(tenant, alan.access_token)).status).toBe(200);
    const next = await json<TokenBody>(await refresh(tenant, ada.refresh_token!));
    expect((await me(tenant, next.access_token)).status).toBe(200);
    expect(tenant.expireAccessTokens(ADA.id)).toBe(1);
    expect(tenant.expireAccessTokens(ADA.id)).toBe(0);
  });

  it('expires a session over HTTP too (POST /__emulator/users/{id}/expire)', async () => {
    const tenant = createTenant({ autoApprove: true });
    const ada = await signIn(tenant);
    const res = await tenant.fetch(`${BASE}/__emulator/users/${ADA.id}/expire`, {
      method: 'POST',
    });
    expect(await json(res)).toEqual({ expiredTokens: 1 });
    await expectError(await me(tenant, ada.access_token), 401);
  });

  it('revokeUser, disableUser and enableUser act on the user’s grants and sign-in', async () => {
    const tenant = createTenant({ autoApprove: true });
    const ada = await signIn(tenant);
    expect(tenant.disableUser(ADA.id)).toMatchObject({ id: ADA.id, disabled: true });
    await expectError(await me(tenant, ada.access_token), 401);
    expect(tenant.enableUser(ADA.id)).toMatchObject({ disabled: false });
    expect((await me(tenant, ada.access_token)).status).toBe(200);
    expect(tenant.revokeUser(ADA.id)).toBe(1);
    await expectError(await refresh(tenant, ada.refresh_token!), 401);
    expect(() => tenant.revokeUser('ghost')).toThrow(/no such user/);
    expect(() => tenant.expireAccessTokens('ghost')).toThrow(/no such user/);
  });

  it('reads and clears the request log, and counts in stats', async () => {
    const tenant = createTenant({ autoApprove: true });
    await signIn(tenant);
    expect(
      tenant.requests().map((entry) => `${entry.method} ${entry.path} ${entry.status}`),
    ).toEqual(['GET /oauth/authorize 302', 'POST /oauth/token 200']);
    expect(tenant.stats()).toEqual({
      tokensIssued: 1,
      refreshes: 0,
      reuseDetections: 0,
      revocations: 0,
    });
    tenant.clearRequests();
    expect(tenant.requests()).toEqual([]);
  });

  it('changes settings at run time, refusing invalid ones without changing anything', async () => {
    const clock = manualClock();
    const tenant = createTenant({ autoApprove: true }, { now: clock.now });
    expect(tenant.configure({ accessTokenTtlSeconds: 60 }).accessTokenTtlSeconds).toBe(60);
    expect(() =>
      tenant.configure({ accessTokenTtlSeconds: 30, purposeTokenTtlSeconds: -1 }),
    ).toThrow(/purposeTokenTtlSeconds/);
    expect(tenant.config().accessTokenTtlSeconds).toBe(60);
    const ada = await signIn(tenant);
    clock.advance(60);
    await expectError(await me(tenant, ada.access_token), 401);
  });

  it('adds, lists, removes and clears faults', async () => {
    const tenant = createTenant();
    const fault = tenant.addFault({ path: '/api/v1/*', status: 503, times: 1 });
    expect(tenant.faults()).toEqual([{ ...fault, hits: 0 }]);
    await expectError(await tenant.fetch(`${BASE}/api/v1/items`), 503);
    expect(tenant.faults()[0]!.hits).toBe(1);
    expect(tenant.removeFault(fault.id)).toBe(true);
    expect(tenant.removeFault(fault.id)).toBe(false);
    tenant.addFault({ path: '/oauth/token', drop: true });
    await expect(tenant.fetch(`${BASE}/oauth/token`, { method: 'POST' })).rejects.toThrow(
      TypeError,
    );
    tenant.clearFaults();
    expect(tenant.faults()).toEqual([]);
    expect(() => tenant.addFault({ path: 'no-slash', status: 500 })).toThrow(/path/);
  });

  it('reset forgets tokens, the log and faults, and restores the created config', async () => {
    const tenant = createTenant({ autoApprove: true, accessTokenTtlSeconds: 120 });
    const ada = await signIn(tenant);
    tenant.configure({ accessTokenTtlSeconds: 60, autoApprove: false });
    tenant.addFault({ path: '/x', status: 500 });
    tenant.reset();
    expect(tenant.config()).toMatchObject({ accessTokenTtlSeconds: 120, autoApprove: true });
    expect(tenant.faults()).toEqual([]);
    expect(tenant.requests()).toEqual([]);
    await expectError(await me(tenant, ada.access_token), 401);
  });

  it('hands out copies: changing what a method returned changes nothing', () => {
    const tenant = createTenant();
    tenant.config().users.length = 0;
    expect(tenant.config().users.length).toBe(2);
  });

  it('refuses a config it cannot use when created', () => {
    expect(() => createTenant({ accessTokenTtlSeconds: -5 })).toThrow(/accessTokenTtlSeconds/);
  });
});

describe('the handler serves loopback host names only', () => {
  it('answers a request for another host with 421 and logs nothing', async () => {
    const tenant = createTenant();
    for (const url of [
      'http://rebound.example/.well-known/oauth-authorization-server',
      'http://localhost.evil.example/__emulator/config',
      'http://10.0.0.1/__emulator/config',
    ]) {
      await expectError(await tenant.fetch(url), 421, 'HTTP-421');
    }
    expect(tenant.requests()).toEqual([]);
    expect((await tenant.fetch('http://127.0.0.1:9/.well-known/jwks.json')).status).toBe(200);
  });
});
