import { act, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { QlikAuthProvider, useQlikAuth, type CallbackResult, type QlikAuth } from '../index.js';
import { settle, setup, Status } from './helpers.js';

describe('QlikAuthProvider', () => {
  it('finishes a sign-in on the redirect callback with exactly one code exchange under StrictMode', async () => {
    const { options, arriveFromLogin, tenant } = setup();
    await arriveFromLogin({ returnTo: '/reports?sheet=2', appState: { tab: 'sales' } });
    const onRedirectCallback = vi.fn<(result: CallbackResult) => void>();
    render(
      <StrictMode>
        <QlikAuthProvider {...options} onRedirectCallback={onRedirectCallback}>
          <Status />
        </QlikAuthProvider>
      </StrictMode>,
    );
    expect(await screen.findByText('signedIn as emulator|ada')).toBeTruthy();
    await vi.waitFor(() => expect(onRedirectCallback).toHaveBeenCalled());
    await settle();
    expect(tenant.grants('authorization_code')).toHaveLength(1);
    expect(onRedirectCallback).toHaveBeenCalledTimes(1);
    expect(onRedirectCallback).toHaveBeenCalledWith({
      returnTo: '/reports?sheet=2',
      appState: { tab: 'sales' },
    });
    expect(location.search).not.toMatch(/code=|state=/);
  });

  it('handles the callback once per instance, even under two providers of that instance', async () => {
    const { create, arriveFromLogin, tenant } = setup();
    await arriveFromLogin();
    const auth = create();
    render(
      <StrictMode>
        <QlikAuthProvider auth={auth}>
          <QlikAuthProvider auth={auth}>
            <Status />
          </QlikAuthProvider>
        </QlikAuthProvider>
      </StrictMode>,
    );
    await screen.findByText('signedIn as emulator|ada');
    await settle();
    expect(tenant.grants('authorization_code')).toHaveLength(1);
  });

  it('without onRedirectCallback, puts returnTo in the address bar', async () => {
    const { create, arriveFromLogin } = setup();
    await arriveFromLogin({ returnTo: '/apps/sales?sheet=2' });
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedIn as emulator|ada');
    await vi.waitFor(() => expect(location.pathname + location.search).toBe('/apps/sales?sheet=2'));
  });

  it('turns an error redirect into a typed error in the snapshot, with no code exchange', async () => {
    const { create, arriveFromLogin, tenant } = setup();
    await arriveFromLogin({ deny: true });
    const onRedirectCallback = vi.fn();
    render(
      <QlikAuthProvider auth={create()} onRedirectCallback={onRedirectCallback}>
        <Status />
      </QlikAuthProvider>,
    );
    expect(await screen.findByText('signedOut (authorization_error)')).toBeTruthy();
    expect(tenant.to('/oauth/token')).toHaveLength(0);
    expect(onRedirectCallback).not.toHaveBeenCalled();
  });

  it('turns an error redirect without state into a typed error in the snapshot', async () => {
    const { create, tenant } = setup();
    history.replaceState(null, '', '/callback?error=server_error&error_code=OAUTH-13');
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
      </QlikAuthProvider>,
    );
    expect(await screen.findByText('signedOut (state_mismatch)')).toBeTruthy();
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });

  it('leaves a page that is no authorization response alone', async () => {
    const { create, tenant } = setup();
    history.replaceState(null, '', '/search?state=open&page=2');
    render(
      <QlikAuthProvider auth={create()}>
        <Status />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedOut');
    await settle();
    expect(tenant.requests()).toHaveLength(0);
    expect(location.search).toBe('?state=open&page=2');
  });

  it('with skipRedirectCallback, leaves the callback to the app', async () => {
    const { create, arriveFromLogin, tenant } = setup();
    const url = await arriveFromLogin();
    render(
      <QlikAuthProvider auth={create()} skipRedirectCallback>
        <Status />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedOut');
    await settle();
    expect(tenant.to('/oauth/token')).toHaveLength(0);
    expect(location.href).toBe(url);
  });

  it('creates one instance from inline options, which lives through StrictMode', async () => {
    const { options, signedInBefore } = setup();
    await signedInBefore();
    const instances = new Set<QlikAuth>();
    function Probe() {
      instances.add(useQlikAuth().auth);
      return <Status />;
    }
    render(
      <StrictMode>
        <QlikAuthProvider {...options}>
          <Probe />
        </QlikAuthProvider>
      </StrictMode>,
    );
    // A destroyed instance would stay `loading`: it no longer tells anyone it restored.
    expect(await screen.findByText('signedIn as emulator|ada')).toBeTruthy();
    expect(instances.size).toBe(1);
  });

  it('makes exactly one instance from inline options under StrictMode (React 18 renders twice)', async () => {
    const { options, signedInBefore } = setup();
    await signedInBefore();
    // Every instance reads the stored session once as it starts: count the readers.
    const store = new Map<string, unknown>();
    let sessionReads = 0;
    const storage = {
      get: async (key: string) => (key === 'session' && (sessionReads += 1), store.get(key)),
      set: async (key: string, value: unknown) => void store.set(key, value),
      delete: async (key: string) => void store.delete(key),
      update: async (key: string, next: (current: unknown) => unknown) => {
        const previous = store.get(key);
        const value = next(previous);
        if (value === undefined) store.delete(key);
        else store.set(key, value);
        return previous;
      },
    };
    const { unmount } = render(
      <StrictMode>
        <QlikAuthProvider {...options} storage={storage}>
          <Status />
        </QlikAuthProvider>
      </StrictMode>,
    );
    await screen.findByText('signedOut');
    await settle(50);
    expect(sessionReads).toBe(1);
    unmount();
  });

  it('destroys the instance it created when it unmounts', async () => {
    const { options, signedInBefore } = setup();
    await signedInBefore();
    let auth!: QlikAuth;
    function Probe() {
      auth = useQlikAuth().auth;
      return <Status />;
    }
    const { unmount } = render(
      <QlikAuthProvider {...options}>
        <Probe />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedIn as emulator|ada');
    unmount();
    await settle();
    const listener = vi.fn();
    auth.subscribe(listener);
    await act(() => auth.signOut({ revoke: false }));
    expect(listener).not.toHaveBeenCalled();
  });

  it('leaves an instance it was given alive when it unmounts', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    const { unmount } = render(
      <QlikAuthProvider auth={auth}>
        <Status />
      </QlikAuthProvider>,
    );
    await screen.findByText('signedIn as emulator|ada');
    unmount();
    await settle();
    const listener = vi.fn();
    auth.subscribe(listener);
    await auth.signOut({ revoke: false });
    expect(listener).toHaveBeenCalled();
    expect(auth.getSnapshot().status).toBe('signedOut');
  });
});
