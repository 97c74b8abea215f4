import { act, fireEvent, render, screen } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { QlikAuthProvider, useQlikAuth, type QlikAuthValue } from '../index.js';
import { setup, Status } from './helpers.js';

describe('useQlikAuth', () => {
  it('reads the session from the core: loading first, then signed out', async () => {
    const { create } = setup();
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
      </QlikAuthProvider>,
    );
    expect(screen.getByTestId('status').textContent).toBe('loading');
    expect((await screen.findByText('signedOut')).dataset.testid).toBe('status');
  });

  it('restores a stored session as signed in, with its user', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
      </QlikAuthProvider>,
    );
    expect(await screen.findByText('signedIn as emulator|ada')).toBeTruthy();
  });

  it('signIn leaves for the authorization endpoint with PKCE S256 and a state', async () => {
    const { create, navigations, tenant } = setup();
    function SignIn() {
      const { signIn } = useQlikAuth();
      return <button onClick={() => void signIn({ loginHint: 'ada@example.com' })}>sign in</button>;
    }
    render(
      <QlikAuthProvider auth={create()}>
        <SignIn />
      </QlikAuthProvider>,
    );
    fireEvent.click(screen.getByText('sign in'));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    const url = new URL(navigations[0]!);
    expect(url.origin + url.pathname).toBe(`${tenant.origin}/oauth/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('login_hint')).toBe('ada@example.com');
  });

  it('signOut shows signed out at once and revokes both tokens', async () => {
    // Both: a native client's session has a refresh token beside the access token.
    const { create, signedInBefore, tenant } = setup({ appType: 'native' });
    await signedInBefore();
    function SignOut() {
      const { signOut } = useQlikAuth();
      return <button onClick={() => void signOut()}>sign out</button>;
    }
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
        <SignOut />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedIn as emulator|ada');
    act(() => fireEvent.click(screen.getByText('sign out')));
    expect(screen.getByTestId('status').textContent).toBe('signedOut');
    await vi.waitFor(() => expect(tenant.to('/oauth/revoke')).toHaveLength(2));
  });

  it('keeps the identity of its value while the session does not change', async () => {
    const { create } = setup();
    const auth = create();
    const seen: QlikAuthValue[] = [];
    function Probe({ label }: { label: string }) {
      seen.push(useQlikAuth());
      return <p>{label}</p>;
    }
    const { rerender } = render(
      <QlikAuthProvider auth={auth}>
        <Probe label="first" />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(seen.at(-1)!.status).toBe('signedOut'));
    const settled = seen.at(-1);
    rerender(
      <QlikAuthProvider auth={auth}>
        <Probe label="second" />
      </QlikAuthProvider>,
    );
    expect(screen.getByText('second')).toBeTruthy();
    expect(seen.at(-1)).toBe(settled);
    expect(seen.at(-1)!.auth).toBe(auth);
  });

  it('takes an explicit instance, with no provider', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    function Explicit() {
      const { status, user } = useQlikAuth(auth);
      return <p>{`${status} ${user?.id ?? ''}`}</p>;
    }
    render(<Explicit />);
    expect(await screen.findByText('signedIn user-ada')).toBeTruthy();
  });

  it('says what is missing when there is neither a provider nor an instance', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => render(<Status />)).toThrow(/QlikAuthProvider/);
    } finally {
      quiet.mockRestore();
    }
  });

  it('renders the snapshot without copying it into React state (no effect runs per change)', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    const renders: string[] = [];
    let effects = 0;
    function Probe() {
      const { status } = useQlikAuth();
      renders.push(status);
      useEffect(() => {
        effects += 1;
      }, []);
      return null;
    }
    render(
      <QlikAuthProvider auth={auth}>
        <Probe />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(renders.at(-1)).toBe('signedIn'));
    expect(renders).toEqual(['loading', 'signedIn']);
    expect(effects).toBe(1);
  });
});
