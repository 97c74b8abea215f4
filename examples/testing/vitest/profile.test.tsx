import { QlikAuthProvider, useQlikAuth } from '@qlik-auth/react';
import { createTestTenant } from '@qlik-auth/testing';
import { act, cleanup, render, screen } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { afterEach, expect, it } from 'vitest';

/** The app's component: who is signed in, by name (from `/api/v1/users/me`), or a way back in. */
function Profile() {
  const { status, auth, signIn } = useQlikAuth();
  const [name, setName] = useState<string>();
  useEffect(() => {
    if (status !== 'signedIn') return;
    void auth
      .fetch('/api/v1/users/me')
      .then((response) => response.json())
      .then(
        (me: { name: string }) => setName(me.name),
        () => {},
      );
  }, [status, auth]);
  if (status === 'signedOut') {
    return <button onClick={() => void signIn()}>Your session has ended. Sign in again</button>;
  }
  return <p>{name ? `Signed in as ${name}` : 'Loading…'}</p>;
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
  const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
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
