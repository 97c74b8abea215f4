import { fireEvent, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { QlikAuthProvider, RequireQlikAuth, type QlikAuthError } from '../index.js';
import { oauthError, settle, setup } from './helpers.js';

/** The guard with an error view that shows the code and offers the retry. */
function Guarded({ fallback = 'checking' }: { fallback?: string }) {
  return (
    <RequireQlikAuth
      fallback={<p>{fallback}</p>}
      onError={(error: QlikAuthError, retry) => (
        <div>
          <p data-testid="error">{error.code}</p>
          <button onClick={retry}>try again</button>
        </div>
      )}
    >
      <p>secret dashboard</p>
    </RequireQlikAuth>
  );
}

describe('RequireQlikAuth', () => {
  it('shows the fallback while the session loads, then the children once signed in', async () => {
    const { create, signedInBefore, navigations } = setup();
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect(screen.getByText('checking')).toBeTruthy();
    expect(await screen.findByText('secret dashboard')).toBeTruthy();
    expect(navigations).toHaveLength(0);
  });

  it('signs in exactly once when signed out, even under StrictMode', async () => {
    const { create, navigations, tenant } = setup();
    render(
      <StrictMode>
        <QlikAuthProvider auth={create()}>
          <Guarded />
        </QlikAuthProvider>
      </StrictMode>,
    );
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    await settle(50);
    expect(navigations).toHaveLength(1);
    expect(navigations[0]).toMatch(`${tenant.origin}/oauth/authorize?`);
    expect(screen.getByText('checking')).toBeTruthy();
    expect(screen.queryByText('secret dashboard')).toBeNull();
  });

  it('signs in exactly once when it mounts already signed out, under StrictMode', async () => {
    const { create, navigations } = setup();
    const auth = create();
    await vi.waitFor(() => expect(auth.getSnapshot().status).toBe('signedOut'));
    render(
      <StrictMode>
        <QlikAuthProvider auth={auth}>
          <Guarded />
        </QlikAuthProvider>
      </StrictMode>,
    );
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    await settle(50);
    expect(navigations).toHaveLength(1);
  });

  it('passes signInOptions on to the sign-in', async () => {
    const { create, navigations } = setup();
    render(
      <QlikAuthProvider auth={create()}>
        <RequireQlikAuth signInOptions={{ loginHint: 'ada@example.com', prompt: 'login' }}>
          <p>secret dashboard</p>
        </RequireQlikAuth>
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    const query = new URL(navigations[0]!).searchParams;
    expect(query.get('login_hint')).toBe('ada@example.com');
    expect(query.get('prompt')).toBe('login');
  });

  it('shows a denied sign-in with a retry instead of redirecting again', async () => {
    const { create, arriveFromLogin, navigations } = setup();
    await arriveFromLogin({ deny: true });
    render(
      <StrictMode>
        <QlikAuthProvider auth={create()}>
          <Guarded />
        </QlikAuthProvider>
      </StrictMode>,
    );
    expect((await screen.findByTestId('error')).textContent).toBe('authorization_error');
    await settle(50);
    expect(navigations).toHaveLength(0);
    fireEvent.click(screen.getByText('try again'));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    await settle(50);
    expect(navigations).toHaveLength(1);
  });

  it('shows a refused code exchange instead of redirecting again', async () => {
    const { create, arriveFromLogin, navigations, tenant } = setup();
    await arriveFromLogin();
    tenant.addFault({
      path: '/oauth/token',
      times: 1,
      ...oauthError(400, 'invalid_grant', 'the code has expired'),
    });
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect((await screen.findByTestId('error')).textContent).toBe('invalid_grant');
    await settle(50);
    expect(navigations).toHaveLength(0);
    expect(tenant.to('/oauth/token')).toHaveLength(1);
  });

  it('does not start a sign-in while the redirect callback is being exchanged', async () => {
    const { create, arriveFromLogin, navigations, tenant } = setup();
    await arriveFromLogin();
    // A slow token endpoint: the exchange is under way for a while.
    tenant.addFault({ path: '/oauth/token', delayMs: 150, times: 1 });
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <Guarded />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(tenant.to('/oauth/token')).toHaveLength(1));
    await settle(50);
    // The exchange is not done: the core says so (loading), and the guard waits.
    expect(auth.getSnapshot().status).toBe('loading');
    expect(navigations).toHaveLength(0);
    expect(await screen.findByText('secret dashboard')).toBeTruthy();
    expect(navigations).toHaveLength(0);
  });

  it('shows a sign-in that cannot start (tenant unreachable) and does not retry by itself', async () => {
    const { create, navigations, tenant } = setup();
    tenant.addFault({ path: '/.well-known/oauth-authorization-server', drop: true, times: 1 });
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect((await screen.findByTestId('error')).textContent).toBe('network_error');
    await settle(50);
    expect(tenant.to('/.well-known/oauth-authorization-server')).toHaveLength(1);
    expect(navigations).toHaveLength(0);
    fireEvent.click(screen.getByText('try again'));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
  });

  it('signs in when a crafted link carries a state and code this browser never issued', async () => {
    const { create, navigations, tenant } = setup();
    history.replaceState(null, '', '/callback?code=stolen&state=crafted');
    render(
      <StrictMode>
        <QlikAuthProvider auth={create()}>
          <Guarded />
        </QlikAuthProvider>
      </StrictMode>,
    );
    // Not stuck on transaction_not_found: the link is no sign-in of ours, so one starts.
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    await settle(50);
    expect(navigations).toHaveLength(1);
    expect(screen.queryByTestId('error')).toBeNull();
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });

  it('shows an error redirect without state instead of signing in again', async () => {
    const { create, navigations } = setup();
    history.replaceState(null, '', '/callback?error=invalid_request&error_code=OAUTH-1');
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect((await screen.findByTestId('error')).textContent).toBe('state_mismatch');
    await settle(50);
    expect(navigations).toHaveLength(0);
  });

  it('without onError, shows the error message and a button that signs in again', async () => {
    const { create, arriveFromLogin, navigations } = setup();
    await arriveFromLogin({ deny: true });
    render(
      <QlikAuthProvider auth={create()}>
        <RequireQlikAuth>
          <p>secret dashboard</p>
        </RequireQlikAuth>
      </QlikAuthProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the user denied access');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in again' }));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
  });
});
