// @vitest-environment node
import { createHandlers } from '@qlik-auth/emulator/msw';
import { createTestTenant } from '@qlik-auth/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';

// An app whose tests already intercept `fetch` with MSW: the tenant joins its handlers.
const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
const server = setupServer(...createHandlers(tenant, { baseUrl: tenant.origin }));

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('signs in and calls the API with the global fetch, which MSW hands to the tenant', async () => {
  // `fetch: undefined`: the client uses the global fetch, as the app does.
  const auth = await tenant.signIn('ada', { auth: { fetch: undefined } });
  const me = await (await auth.fetch('/api/v1/users/me')).json();
  expect(me.name).toBe('Ada Lovelace');
  // Every request went through MSW to the tenant: its log saw them all.
  expect(tenant.requests().map((entry) => entry.path)).toContain('/oauth/token');
  auth.destroy();
});
