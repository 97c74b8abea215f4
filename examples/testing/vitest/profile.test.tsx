import { QlikAuthProvider, useQlikAuth } from '@qlik-auth/react';
import { createTestTenant } from '@qlik-auth/testing';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';

/** The app's component: who is signed in, by name, or a way back in. */
function Profile() {
  const { status, user, signIn } = useQlikAuth();
  if (status === 'signedOut') {
    return <button onClick={() => void signIn()}>Your session has ended. Sign in again</button>;
  }
  return <p>{status === 'signedIn' ? `Signed in as ${user?.name}` : 'Loading…'}</p>;
}

afterEach(cleanup);

it('shows the signed-in user’s name', async () => {
  const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
  const auth = await tenant.signIn('ada');
  render(
    <QlikAuthProvider auth={auth}>
      <Profile />
    </QlikAuthProvider>,
  );
  expect(await screen.findByText('Signed in as Ada Lovelace')).toBeTruthy();
  auth.destroy();
});

it('shows the signed-out state once the session expires', async () => {
  // A native client: its refresh token is what the tenant refuses once the session has ended.
  const tenant = createTestTenant({
    appType: 'native',
    users: [{ id: 'ada', name: 'Ada Lovelace' }],
  });
  const auth = await tenant.signIn('ada');
  render(
    <QlikAuthProvider auth={auth}>
      <Profile />
    </QlikAuthProvider>,
  );
  await screen.findByText('Signed in as Ada Lovelace');
  // act(): the session ends outside React, which then renders the signed-out state.
  await act(() => tenant.expireSession('ada'));
  expect(await screen.findByText('Your session has ended. Sign in again')).toBeTruthy();
  auth.destroy();
});
