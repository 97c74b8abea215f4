import { QlikAuthProvider, useQlikAuth } from '@qlik-auth/react';
import { createTestTenant } from '@qlik-auth/testing';
import { act, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';

/** The signed-in user's name, or the signed-out state. */
function Profile() {
  const { status, user } = useQlikAuth();
  if (status === 'signedOut') return h('p', null, 'Signed out');
  return h('p', null, status === 'signedIn' ? `Signed in as ${user?.name}` : 'Loading…');
}

test('shows the signed-in user’s name, then the signed-out state', async () => {
  // A native client: its refresh token is what the tenant refuses once the session has ended.
  const tenant = createTestTenant({
    appType: 'native',
    users: [{ id: 'ada', name: 'Ada Lovelace' }],
  });
  const auth = await tenant.signIn('ada');
  render(h(QlikAuthProvider, { auth }, h(Profile)));
  expect(await screen.findByText('Signed in as Ada Lovelace')).toBeTruthy();
  // act(): the session ends outside React, which re-renders the signed-out state.
  await act(() => tenant.expireSession('ada'));
  expect(await screen.findByText('Signed out')).toBeTruthy();
  auth.destroy();
});
