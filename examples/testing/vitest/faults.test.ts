// @vitest-environment jsdom
import { createTestTenant } from '@qlik-auth/testing';
import { expect, it } from 'vitest';

// What an app must survive, driven by the tenant's controls (here under jsdom).
it('a dropped connection is an error to retry, not a sign-out', async () => {
  const tenant = createTestTenant();
  const auth = await tenant.signIn('ada');
  tenant.addFault({ path: '/api/v1/users/me', drop: true, times: 1 });
  await expect(auth.fetch('/api/v1/users/me')).rejects.toThrow();
  expect(auth.getSnapshot().status).toBe('signedIn');
  expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
  auth.destroy();
});

it('an expired access token is refreshed behind the scenes', async () => {
  // A native client gets a refresh token; a single-page app (the default) never does.
  const tenant = createTestTenant({ appType: 'native' });
  const auth = await tenant.signIn('ada');
  tenant.expireAccessTokens('ada');
  // The API answers 401; the client refreshes and sends the request again.
  expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
  expect(tenant.stats().refreshes).toBe(1);
  auth.destroy();
});

it('a refresh the tenant refuses ends the session', async () => {
  const tenant = createTestTenant({ appType: 'native', accessTokenTtlSeconds: 300 });
  const auth = await tenant.signIn('ada');
  tenant.addFault({
    path: '/oauth/token',
    status: 400,
    body: { error: 'invalid_grant', error_description: 'refused' },
  });
  await expect(auth.getToken({ forceRefresh: true })).rejects.toMatchObject({
    code: 'session_expired',
  });
  expect(auth.getSnapshot().status).toBe('signedOut');
  auth.destroy();
});

it('a slow tenant: the answer comes, late', async () => {
  const tenant = createTestTenant();
  const auth = await tenant.signIn('ada');
  tenant.addFault({ path: '/api/*', delayMs: 50, times: 1 });
  const started = Date.now();
  expect((await auth.fetch('/api/v1/items')).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  auth.destroy();
});
