// @vitest-environment jsdom
import { QlikAuthProvider } from '@qlik-auth/react';
import { createTestTenant } from '@qlik-auth/testing';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { Profile } from '../src/profile.js';

afterEach(cleanup);

// The same kit under jsdom, and the faults an app must survive.
it('keeps the user signed in when an API call fails once', async () => {
  const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
  const auth = await tenant.signIn('ada');
  // The first call to the API gets a dropped connection; the tenant answers the rest.
  tenant.addFault({ path: '/api/v1/users/me', drop: true, times: 1 });
  render(
    <QlikAuthProvider auth={auth}>
      <Profile />
    </QlikAuthProvider>,
  );
  expect(await screen.findByText('Loading…')).toBeTruthy();
  expect(auth.getSnapshot().status).toBe('signedIn');
  auth.destroy();
});

it('refreshes behind the scenes when the tenant expires the access token', async () => {
  const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
  const auth = await tenant.signIn('ada');
  tenant.expireAccessTokens('ada');
  render(
    <QlikAuthProvider auth={auth}>
      <Profile />
    </QlikAuthProvider>,
  );
  // The API answered 401; the client refreshed and asked again.
  expect(await screen.findByText('Signed in as Ada Lovelace')).toBeTruthy();
  expect(tenant.stats().refreshes).toBe(1);
  auth.destroy();
});
