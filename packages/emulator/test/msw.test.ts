import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../src/index.js';
import { createHandlers } from '../src/hosts/msw.js';
import {
  ADA,
  authorizeUrl,
  authorizeParams,
  json,
  pkce,
  REDIRECT_URI,
  type TokenBody,
} from './helpers.js';

// No emulator listens here: MSW answers every request under it with the tenant's handler.
const BASE = 'http://localhost:8799';
const tenant = createTenant({ autoApprove: true });
const server = setupServer(...createHandlers(tenant, { baseUrl: BASE }));

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => tenant.reset());
afterAll(() => server.close());

describe('@qlik-auth/emulator/msw', () => {
  it('answers discovery with the tenant’s metadata at the intercepted origin', async () => {
    const metadata = await json<{ issuer: string; token_endpoint: string }>(
      await fetch(`${BASE}/.well-known/oauth-authorization-server`),
    );
    expect(metadata).toMatchObject({ issuer: BASE, token_endpoint: `${BASE}/oauth/token` });
  });

  it('signs in with global fetch alone, and the tenant’s controls see it', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await fetch(authorizeUrl(BASE, authorizeParams(challenge)), {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code');
    const tokens = await json<TokenBody>(
      await fetch(`${BASE}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'demo-native',
          code: code!,
          code_verifier: verifier,
          redirect_uri: REDIRECT_URI,
        }),
      }),
    );
    const me = () =>
      fetch(`${BASE}/api/v1/users/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
    expect(await json(await me())).toMatchObject({ id: ADA.id });
    tenant.expireAccessTokens(ADA.id);
    expect((await me()).status).toBe(401);
    expect(tenant.requests().map((entry) => entry.path)).toEqual([
      '/oauth/authorize',
      '/oauth/token',
      '/api/v1/users/me',
      '/api/v1/users/user-ada',
      '/api/v1/users/me',
    ]);
  });

  it('turns a drop fault into a network error', async () => {
    tenant.addFault({ path: '/oauth/token', drop: true });
    await expect(fetch(`${BASE}/oauth/token`, { method: 'POST' })).rejects.toThrow(TypeError);
  });

  it('turns a dropAfter fault into a network error once the tenant has answered', async () => {
    tenant.addFault({ path: '/oauth/token', dropAfter: true });
    await expect(fetch(`${BASE}/oauth/token`, { method: 'POST' })).rejects.toThrow(TypeError);
    expect(tenant.requests().at(-1)).toMatchObject({ fault: 'dropAfter', status: 400 });
  });
});
