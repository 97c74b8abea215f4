import { act, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  QlikAuthProvider,
  RequireQlikAuth,
  useQlikSessionEnding,
  type QlikAuthError,
} from '../index.js';
import { settle, setup } from './helpers.js';

/**
 * Sessions without a refresh token (Qlik Cloud's single-page-app clients): the end announced for
 * a "Stay signed in" prompt, and the guard re-authorizing a session that ended.
 */

const MINUTE = 60_000;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/**
 * The test tenant's client is an SPA's: no `offline_access`, so no refresh token. Its clock runs
 * `later` ahead when a test says so: a session that ends as it began is not re-authorized.
 */
const clock = { later: 0 };
const spa = { auth: { scopes: ['user_default'], now: () => Date.now() + clock.later } };
afterEach(() => {
  clock.later = 0;
});

function Ending() {
  const { ending, secondsLeft, renewable, renew } = useQlikSessionEnding();
  return (
    <div>
      <p data-testid="ending">
        {ending ? `ends in ${secondsLeft} s` : renewable ? 'renews itself' : 'not ending'}
      </p>
      <button
        onClick={() => renew().catch((error: QlikAuthError) => void (document.title = error.code))}
      >
        stay signed in
      </button>
    </div>
  );
}

describe('useQlikSessionEnding', () => {
  it('counts the last minutes down from the core, and renews in a popup from the click', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'Date'] });
    const { create, signedInBefore, tenant } = setup({
      ...spa,
      tenant: { accessTokenTtlSeconds: 600 },
    });
    await signedInBefore();
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <Ending />
      </QlikAuthProvider>,
    );
    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(screen.getByTestId('ending').textContent).toBe('not ending');
    await act(() => vi.advanceTimersByTimeAsync(5 * MINUTE));
    await vi.waitFor(() => expect(screen.getByTestId('ending').textContent).toBe('ends in 300 s'));
    await act(() => vi.advanceTimersByTimeAsync(2000));
    await vi.waitFor(() => expect(screen.getByTestId('ending').textContent).toBe('ends in 298 s'));
    // No popup can open here: the click reached reauthorizeWithPopup, which says so.
    vi.stubGlobal('open', () => null);
    fireEvent.click(screen.getByText('stay signed in'));
    await act(() => vi.advanceTimersByTimeAsync(10));
    expect(document.title).toBe('popup_blocked');
    expect(tenant.to('/oauth/token')).toHaveLength(1);
  });

  it('says a session with a refresh token renews itself, and is never ending', async () => {
    const { create, signedInBefore } = setup({ appType: 'native' });
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <Ending />
      </QlikAuthProvider>,
    );
    expect((await screen.findByText('renews itself')).textContent).toBe('renews itself');
  });
});

/** The guard with an error view that shows the code and offers the retry. */
function Guarded({ popup = false }: { popup?: boolean }) {
  return (
    <RequireQlikAuth
      fallback={<p>checking</p>}
      signInOptions={{ popup, appState: { tab: 'sales' } }}
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

const query = (url: string | undefined) => new URL(url!).searchParams;

describe('RequireQlikAuth when the session ends', () => {
  it('re-authorizes by redirect with prompt=none, back to the same route, once, showing the fallback', async () => {
    const { create, signedInBefore, navigations } = setup(spa);
    await signedInBefore();
    history.replaceState(null, '', '/reports?year=2030');
    const auth = create();
    render(
      <StrictMode>
        <QlikAuthProvider auth={auth}>
          <Guarded />
        </QlikAuthProvider>
      </StrictMode>,
    );
    expect(await screen.findByText('secret dashboard')).toBeTruthy();
    // The tenant refuses the token, and there is nothing to renew it with: the session ends.
    clock.later = MINUTE;
    await act(() => auth.getToken({ forceRefresh: true }).catch(() => {}));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    await settle(50);
    expect(navigations).toHaveLength(1);
    expect(query(navigations[0]).get('prompt')).toBe('none');
    expect(screen.getByText('checking')).toBeTruthy();
    expect(screen.queryByTestId('error')).toBeNull();
  });

  it('goes on to the login page once when the tenant has no login session, then to the route with appState', async () => {
    const { create, signedInBefore, navigations, tenant } = setup(spa);
    await signedInBefore();
    history.replaceState(null, '', '/reports');
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <Guarded />
      </QlikAuthProvider>,
    );
    await screen.findByText('secret dashboard');
    clock.later = MINUTE;
    await act(() => auth.getToken({ forceRefresh: true }).catch(() => {}));
    await vi.waitFor(() => expect(navigations).toHaveLength(1));
    // The user's login session at the tenant has ended meanwhile: login_required, back on the
    // redirect URI.
    tenant.endLoginSessions('user-ada');
    const refused = await tenant.authorize(navigations[0]!);
    expect(query(refused).get('error')).toBe('login_required');
    history.replaceState(null, '', refused);
    const callbackPage = create();
    const onRedirectCallback = vi.fn();
    const { unmount } = render(
      <QlikAuthProvider auth={callbackPage} onRedirectCallback={onRedirectCallback}>
        <Guarded />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(navigations).toHaveLength(2));
    expect(query(navigations[1]).get('prompt')).toBeNull();
    await settle(50);
    expect(navigations).toHaveLength(2);
    expect(screen.queryByTestId('error')).toBeNull();
    unmount();
    // The login page, and back: signed in, at the route, with the appState.
    history.replaceState(null, '', await tenant.authorize(navigations[1]!));
    const back = vi.fn();
    render(
      <QlikAuthProvider auth={create()} onRedirectCallback={back}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect(await screen.findByText('secret dashboard')).toBeTruthy();
    expect(back).toHaveBeenCalledWith({ returnTo: '/reports', appState: { tab: 'sales' } });
  });

  it('shows the error, and does not leave again, when the login after it is denied', async () => {
    const { create, signedInBefore, navigations, tenant } = setup(spa);
    await signedInBefore();
    const auth = create();
    await vi.waitFor(() => expect(auth.getSnapshot().status).toBe('signedIn'));
    await auth.reauthorize();
    await auth.getToken({ forceRefresh: true }).catch(() => {});
    tenant.endLoginSessions('user-ada');
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    await vi.waitFor(() => expect(navigations).toHaveLength(2));
    history.replaceState(null, '', await tenant.authorize(navigations[1]!, { deny: true }));
    render(
      <QlikAuthProvider auth={create()}>
        <Guarded />
      </QlikAuthProvider>,
    );
    expect((await screen.findByTestId('error')).textContent).toBe('authorization_error');
    await settle(50);
    expect(navigations).toHaveLength(2);
  });

  it('with popup sign-in, shows the ending and re-authorizes in a popup from the click', async () => {
    const { create, signedInBefore, navigations } = setup(spa);
    await signedInBefore();
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <Guarded popup />
      </QlikAuthProvider>,
    );
    await screen.findByText('secret dashboard');
    await act(() => auth.getToken({ forceRefresh: true }).catch(() => {}));
    expect((await screen.findByTestId('error')).textContent).toBe('session_expired');
    expect(navigations).toHaveLength(0);
    const opened: string[] = [];
    vi.stubGlobal('open', (url: string) => void opened.push(url));
    fireEvent.click(screen.getByText('try again'));
    // The popup the click asked for: blocked here (no window), which the guard shows.
    expect(opened).toHaveLength(1);
    expect((await screen.findByTestId('error')).textContent).toBe('popup_blocked');
  });

  it('shows the ending instead of leaving when the session ended as it began (no loop)', async () => {
    const { create, signedInBefore, navigations } = setup(spa);
    await signedInBefore();
    const auth = create();
    render(
      <QlikAuthProvider auth={auth}>
        <Guarded />
      </QlikAuthProvider>,
    );
    await screen.findByText('secret dashboard');
    await act(() => auth.getToken({ forceRefresh: true }).catch(() => {}));
    expect((await screen.findByTestId('error')).textContent).toBe('interaction_required');
    await settle(50);
    expect(navigations).toHaveLength(0);
  });
});
