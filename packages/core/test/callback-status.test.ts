import { afterEach, describe, expect, it, vi } from 'vitest';
import { POPUP_STATE } from '../src/pkce.js';
import type { AuthStatus } from '../src/index.js';
import { rejectionOf, settled, setup } from './helpers.js';

/** A promise and its resolver, to hold a tenant's answer until the test lets it go. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the state while a sign-in finishes', () => {
  it('is loading, not signedOut, while handleRedirectCallback exchanges the code', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    await settled(auth);
    const callbackUrl = await callbackUrlFor(auth);
    const release = deferred();
    const { fetch } = tenant;
    tenant.failNext('/oauth/token', async () => {
      await release.promise;
      return fetch(`${tenant.origin}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(tenant.requests.at(-1)!.params).toString(),
      });
    });
    const statuses: AuthStatus[] = [];
    auth.subscribe(() => statuses.push(auth.getSnapshot().status));
    const done = auth.handleRedirectCallback(callbackUrl);
    expect(auth.getSnapshot()).toEqual({ status: 'loading' });
    while (tenant.to('/oauth/token').length === 0) await new Promise((r) => setTimeout(r, 1));
    expect(auth.getSnapshot().status).toBe('loading');
    release.resolve();
    await done;
    expect(statuses).toEqual(['loading', 'signedIn']);
  });

  it('is loading from the start on a callback page, never signedOut in between', async () => {
    const { create, tenant, callbackUrlFor, auth: first } = setup();
    const callbackUrl = await callbackUrlFor(first);
    const auth = create();
    const statuses: AuthStatus[] = [];
    auth.subscribe(() => statuses.push(auth.getSnapshot().status));
    await auth.handleRedirectCallback(callbackUrl);
    await settled(auth);
    expect(statuses).not.toContain('signedOut');
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(tenant.grants('authorization_code')).toHaveLength(1);
  });

  it('goes to signedOut with the error once a failed exchange settles', async () => {
    const { auth, callbackUrlFor } = setup();
    await settled(auth);
    const callbackUrl = await callbackUrlFor(auth, { deny: true });
    const statuses: string[] = [];
    auth.subscribe(() => {
      const { status, error } = auth.getSnapshot();
      statuses.push(error ? `${status}:${error.code}` : status);
    });
    const error = await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    expect(error.code).toBe('authorization_error');
    expect(statuses).toEqual(['loading', 'signedOut:authorization_error']);
  });

  it('stays signedIn while a second sign-in finishes', async () => {
    const { auth, signIn, callbackUrlFor } = setup();
    await signIn(auth);
    const statuses: AuthStatus[] = [];
    auth.subscribe(() => statuses.push(auth.getSnapshot().status));
    await auth.handleRedirectCallback(await callbackUrlFor(auth));
    expect(statuses).not.toContain('loading');
    expect(auth.getSnapshot().status).toBe('signedIn');
  });
});

describe('the popup of signInWithPopup', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('hands the response to its opener, exchanges nothing, and stops loading if it stays open', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const close = vi.fn(); // refused: the window stays
    const postMessage = vi.fn();
    vi.stubGlobal('close', close);
    vi.stubGlobal('opener', { postMessage });
    const { auth, tenant } = setup();
    const response = `${location.origin}/callback?code=abc&state=xyz${POPUP_STATE}`;
    expect(await auth.handleRedirectCallback(response)).toEqual({});
    expect(postMessage).toHaveBeenCalledWith(response, location.origin);
    expect(close).toHaveBeenCalledTimes(1);
    expect(location.search).toBe(''); // the code left the address bar
    expect(tenant.to('/oauth/token')).toHaveLength(0);
    expect(auth.getSnapshot().status).toBe('loading');
    await vi.advanceTimersByTimeAsync(1000);
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
  });
});
