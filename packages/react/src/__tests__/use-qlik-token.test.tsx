import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QlikAuthError, QlikAuthProvider, useQlikAuth, useQlikToken } from '../index.js';
import { claims, oauthError, settle, setup, TokenView } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The token a TokenView shows; undefined while it shows none. */
const tokenOf = (testId = 'token') => screen.getByTestId(testId).dataset.token;
const shown = (testId = 'token') => expect(tokenOf(testId)).toBeDefined();

describe('useQlikToken', () => {
  it('hands out the access token of the session, with its expiry', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <TokenView />
      </QlikAuthProvider>,
    );
    expect(screen.getByTestId('token').textContent).toBe('loading:none');
    await vi.waitFor(() => shown());
    expect(tokenOf()).toBe(await auth.getToken());
    expect(Number(screen.getByTestId('token').dataset.expiresAt)).toBe(
      auth.getSnapshot().expiresAt,
    );
  });

  it('has no token and no error while signed out', async () => {
    const { create } = setup();
    render(
      <QlikAuthProvider auth={create()}>
        <TokenView />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedOut:none');
    await settle();
    expect(screen.getByTestId('token').textContent).toBe('signedOut:none');
  });

  it('drops the token in the same render as the sign-out', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    function SignOut() {
      const { signOut } = useQlikAuth();
      return <button onClick={() => void signOut()}>sign out</button>;
    }
    render(
      <QlikAuthProvider auth={create()}>
        <TokenView />
        <SignOut />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => shown());
    act(() => fireEvent.click(screen.getByText('sign out')));
    expect(screen.getByTestId('token').textContent).toBe('signedOut:none');
  });

  it('gets the token of a session that starts while it is shown', async () => {
    const { create, arriveFromLogin } = setup();
    const auth = create();
    render(
      <QlikAuthProvider auth={auth} skipRedirectCallback>
        <TokenView />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedOut:none');
    await arriveFromLogin();
    await act(() => auth.handleRedirectCallback());
    await vi.waitFor(() => shown());
    expect(tokenOf()).toBe(await auth.getToken());
  });

  it('gets a websocket-purpose token for purpose websocket, one exchange for all its readers', async () => {
    const { create, signedInBefore, tenant } = setup();
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <TokenView purpose="websocket" testId="a" />
        <TokenView purpose="websocket" testId="b" />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => shown('a'));
    expect(claims(tokenOf('a')!).purpose).toBe('websocket');
    expect(tokenOf('b')).toBe(tokenOf('a'));
    expect(tenant.grants('urn:ietf:params:oauth:grant-type:token-exchange')).toHaveLength(1);
  });

  it('gets a webresource-purpose token for purpose webresource, with the expiry it carries', async () => {
    const { create, signedInBefore } = setup({ tenant: { purposeTokenTtlSeconds: 300 } });
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <TokenView purpose="webresource" />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => shown());
    expect(claims(tokenOf()!).purpose).toBe('webresource');
    // The expiry the tenant sent with the token (to the millisecond; the JWT says it in seconds).
    const expiresAt = Number(screen.getByTestId('token').dataset.expiresAt);
    expect(Math.abs(expiresAt - (claims(tokenOf()!).exp as number) * 1000)).toBeLessThan(1000);
  });

  it('says why when the tenant refuses a purpose token, and keeps the session', async () => {
    const { create, signedInBefore, tenant } = setup();
    await signedInBefore();
    tenant.addFault({
      path: '/oauth/token',
      times: 1,
      ...oauthError(403, 'access_denied', 'no engine access'),
    });
    let seen: ReturnType<typeof useQlikToken> | undefined;
    function Probe() {
      seen = useQlikToken({ purpose: 'websocket' });
      return null;
    }
    render(
      <QlikAuthProvider auth={create()}>
        <Probe />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(seen?.error).toBeDefined());
    expect(seen!.error).toBeInstanceOf(QlikAuthError);
    expect(seen!.token).toBeUndefined();
    expect(seen!.status).toBe('signedIn');
  });

  it('renews the access token shortly before it expires, in the background', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { create, navigations, tenant } = setup({
      appType: 'native',
      tenant: { accessTokenTtlSeconds: 600 },
      auth: { storage: 'memory' },
    });
    const auth = create();
    await auth.signIn();
    history.replaceState(null, '', await tenant.authorize(navigations.pop()!));
    render(
      <QlikAuthProvider auth={auth}>
        <TokenView />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => shown());
    const first = tokenOf();
    await act(() => vi.advanceTimersByTimeAsync(580_000));
    await vi.waitFor(() => expect(tokenOf()).not.toBe(first));
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(Number(screen.getByTestId('token').dataset.expiresAt)).toBe(
      auth.getSnapshot().expiresAt,
    );
  });

  it('renews a purpose token before it expires, and stops once nothing reads it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { create, navigations, tenant } = setup({
      tenant: { accessTokenTtlSeconds: 3600, purposeTokenTtlSeconds: 120 },
      auth: { storage: 'memory' },
    });
    const exchanges = () => tenant.grants('urn:ietf:params:oauth:grant-type:token-exchange');
    const auth = create();
    await auth.signIn();
    history.replaceState(null, '', await tenant.authorize(navigations.pop()!));
    const { unmount } = render(
      <QlikAuthProvider auth={auth}>
        <TokenView purpose="webresource" />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => shown());
    const first = tokenOf();
    expect(exchanges()).toHaveLength(1);
    // Nothing in the session changes: only the hook's own timer can ask again.
    await act(() => vi.advanceTimersByTimeAsync(119_000));
    // The tenant signs the new token with Web Crypto, which no fake timer hurries.
    await vi.waitFor(() => expect(tokenOf()).not.toBe(first));
    expect(claims(tokenOf()!).purpose).toBe('webresource');
    expect(exchanges()).toHaveLength(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(600_000));
    expect(exchanges()).toHaveLength(2);
  });
});
