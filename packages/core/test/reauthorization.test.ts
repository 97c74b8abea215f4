import { afterEach, describe, expect, it, vi } from 'vitest';
import { QlikAuthError, type AuthState, type QlikAuth } from '../src/index.js';
import { silentRenewal } from '../src/iframe.js';
import { ALICE } from './tenant.js';
import { eventually, installWebLocks, rejectionOf, setup, settled, tick } from './helpers.js';

/**
 * Sessions on Qlik Cloud's terms for a single-page-app client: no refresh token. Renewal is a
 * re-authorization with `prompt=none` (by redirect, or by a hidden frame the app opts into), and
 * a session that only the user can renew announces its end.
 */

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;
const MINUTE = 60_000;
const spa = { tenant: { appType: 'spa', refreshTokens: false } } as const;
/**
 * A user who keeps working at the tenant: its login session, which ends after 30 idle minutes by
 * default (as Qlik Cloud's), lives as long as it may, through the hour these tests move ahead.
 */
const activeUser = {
  tenant: { ...spa.tenant, sessionInactivityTimeoutMinutes: 1440 },
} as const;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** Timers under the test's control; promises, IndexedDB and WebCrypto keep running for real. */
function fakeTimers() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/** Moves the clock and the timers forward together, a step at a time, as real time would. */
async function elapse(clock: { time: number }, ms: number, step = 1000) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.time += step;
    await vi.advanceTimersByTimeAsync(step);
  }
}

/** Every snapshot an instance publishes from now on. */
function record(auth: QlikAuth) {
  const snapshots: AuthState[] = [];
  auth.subscribe(() => snapshots.push(auth.getSnapshot()));
  return snapshots;
}

const query = (url: string | undefined) => new URL(url!).searchParams;

describe('the snapshot of a session without a refresh token', () => {
  it('says it cannot be renewed without the user, and when it ends', async () => {
    const { auth, signIn } = setup(spa);
    await signIn(auth);
    expect(auth.getSnapshot()).toEqual({
      status: 'signedIn',
      expiresAt: START + HOUR,
      scopes: ['user_default'],
      user: expect.objectContaining({ subject: ALICE.subject }),
      renewable: false,
    });
  });

  it('says a session with a refresh token renews itself', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    expect(auth.getSnapshot().renewable).toBe(true);
  });

  it('announces the end 5 minutes ahead, in one change its listeners hear, from a timer', async () => {
    fakeTimers();
    const { auth, signIn, clock } = setup(spa);
    await signIn(auth);
    const snapshots = record(auth);
    await elapse(clock, HOUR - 6 * MINUTE, MINUTE / 4);
    await elapse(clock, MINUTE - 1000);
    expect(auth.getSnapshot().ending).toBeUndefined();
    await elapse(clock, 2000);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedIn',
      ending: true,
      renewable: false,
    });
    expect(snapshots.filter((snapshot) => snapshot.ending)).toHaveLength(1);
  });

  it('honours endingSeconds', async () => {
    fakeTimers();
    const { auth, signIn, clock } = setup({ ...spa, auth: { endingSeconds: 30 * 60 } });
    await signIn(auth);
    await elapse(clock, HOUR - 31 * MINUTE, MINUTE / 4);
    await elapse(clock, MINUTE - 1000);
    expect(auth.getSnapshot().ending).toBeUndefined();
    await elapse(clock, 2000);
    expect(auth.getSnapshot().ending).toBe(true);
  });

  it('never announces the end of a session that renews itself', async () => {
    fakeTimers();
    const { auth, signIn, clock } = setup();
    await signIn(auth);
    const snapshots = record(auth);
    await elapse(clock, 2 * HOUR, MINUTE / 4);
    expect(snapshots.some((snapshot) => snapshot.ending)).toBe(false);
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', renewable: true });
  });
});

describe('a forced renewal with nothing to renew with', () => {
  it('never hands back the refused token: it rejects, and the session ends in every tab', async () => {
    installWebLocks();
    const { auth, signIn, create, tenant } = setup(spa);
    await signIn(auth);
    const other = create();
    expect((await settled(other)).status).toBe('signedIn');
    const requests = tenant.requests.length;
    const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error.code).toBe('session_expired');
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    await eventually(() => other.getSnapshot().status === 'signedOut');
    expect(other.getSnapshot().error).toMatchObject({ code: 'session_expired' });
    expect(tenant.requests).toHaveLength(requests);
    expect((await rejectionOf(auth.getToken())).code).toBe('not_signed_in');
  });

  it('ends the session once when the tenant answers 401, and sends nothing after', async () => {
    const { auth, signIn, tenant } = setup(spa);
    await signIn(auth);
    tenant.emulator.expireAccessTokens(ALICE.id);
    const response = await auth.fetch('/api/v1/users/me');
    expect(response.status).toBe(401);
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'session_expired' },
    });
    const sent = tenant.requests.length;
    expect((await rejectionOf(auth.fetch('/api/v1/users/me'))).code).toBe('not_signed_in');
    expect(tenant.requests).toHaveLength(sent);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });

  it('still refreshes a session that has a refresh token', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken();
    expect(await auth.getToken({ forceRefresh: true })).not.toBe(first);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });
});

describe('reauthorize(): re-authorization by redirect', () => {
  it('asks the tenant with prompt=none and comes back to the same route with appState', async () => {
    const { auth, signIn, navigations, tenant } = setup(spa);
    await signIn(auth);
    const before = await auth.getToken();
    history.replaceState(null, '', '/reports?year=2030#top');
    await auth.reauthorize({ appState: { tab: 'sales' } });
    const sent = query(navigations.at(-1));
    expect(sent.get('prompt')).toBe('none');
    // The tenant's login session lives: it answers at once, with a code and no login page.
    const back = await tenant.authorize(navigations.at(-1)!);
    expect(query(back).get('code')).toBeTruthy();
    history.replaceState(null, '', back);
    expect(await auth.handleRedirectCallback()).toEqual({
      returnTo: '/reports?year=2030#top',
      appState: { tab: 'sales' },
    });
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(await auth.getToken()).not.toBe(before);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });

  it('renews a session that has ended, while the login session at the tenant lives', async () => {
    fakeTimers();
    const { auth, signIn, navigations, tenant, clock } = setup(activeUser);
    await signIn(auth);
    await elapse(clock, HOUR, MINUTE);
    await eventually(() => auth.getSnapshot().status === 'signedOut');
    expect(auth.getSnapshot().error).toMatchObject({ code: 'token_expired' });
    await auth.reauthorize();
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    await auth.handleRedirectCallback();
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', renewable: false });
  });

  it('goes on to the login page once when the tenant has no login session, never in a loop', async () => {
    const { auth, signIn, navigations, tenant, clock } = setup(spa);
    await signIn(auth);
    clock.time += MINUTE;
    await auth.getToken({ forceRefresh: true }).catch(() => {});
    history.replaceState(null, '', '/reports');
    await auth.reauthorize({ appState: 'kept' });
    tenant.emulator.endLoginSessions(ALICE.id);
    const refused = await tenant.authorize(navigations.at(-1)!);
    expect(query(refused).get('error')).toBe('login_required');
    history.replaceState(null, '', refused);
    const statuses = record(auth);
    await auth.handleRedirectCallback();
    // On to the interactive login: the same route and state, and no prompt this time.
    expect(navigations).toHaveLength(3);
    expect(auth.getSnapshot().status).toBe('loading');
    const interactive = query(navigations.at(-1));
    expect(interactive.get('prompt')).toBeNull();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.some((snapshot) => snapshot.status !== 'loading')).toBe(false);
    expect(auth.getSnapshot().error).toBeUndefined();
    // That one denied: an error to show, and no third trip.
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!, { deny: true }));
    const denied = await rejectionOf(auth.handleRedirectCallback());
    expect(denied.code).toBe('authorization_error');
    expect(navigations).toHaveLength(3);
  });

  it('brings the route and appState through the interactive login', async () => {
    const { auth, signIn, navigations, tenant } = setup(spa);
    await signIn(auth);
    history.replaceState(null, '', '/reports');
    await auth.reauthorize({ appState: 'kept' });
    tenant.emulator.endLoginSessions(ALICE.id);
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    await auth.handleRedirectCallback();
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    expect(await auth.handleRedirectCallback()).toEqual({ returnTo: '/reports', appState: 'kept' });
    expect(auth.getSnapshot().status).toBe('signedIn');
  });

  it('finds no login session after 30 idle minutes at the tenant: on to the login page', async () => {
    fakeTimers();
    const { auth, signIn, navigations, tenant, clock } = setup(spa);
    await signIn(auth);
    await elapse(clock, 31 * MINUTE, MINUTE);
    await auth.reauthorize();
    const back = await tenant.authorize(navigations.at(-1)!);
    expect(query(back).get('error')).toBe('login_required');
    history.replaceState(null, '', back);
    await auth.handleRedirectCallback();
    expect(query(navigations.at(-1)).get('prompt')).toBeNull();
    expect(navigations).toHaveLength(3);
  });

  it('one tab re-authorizes for all: the others stay, and take its session when it comes', async () => {
    installWebLocks();
    const { auth, signIn, create, navigations, tenant, clock } = setup(spa);
    await signIn(auth);
    clock.time += MINUTE;
    const tabs = [auth, create(), create()];
    for (const tab of tabs) await settled(tab);
    // The session ends, in every tab.
    await auth.getToken({ forceRefresh: true }).catch(() => {});
    for (const tab of tabs) await eventually(() => tab.getSnapshot().status === 'signedOut');
    const before = navigations.length;
    const left = await Promise.all(tabs.map((tab) => tab.reauthorize()));
    expect(navigations).toHaveLength(before + 1);
    expect(left.filter(Boolean)).toHaveLength(1);
    const waiting = tabs.filter((_, i) => !left[i]);
    for (const tab of waiting) expect(tab.getSnapshot().status).toBe('signedOut');
    // The tab that left comes back (a new page) with the session; the others follow.
    const back = create();
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    await back.handleRedirectCallback();
    for (const tab of waiting) {
      await eventually(() => tab.getSnapshot().status === 'signedIn');
      expect(await tab.getToken()).toBe(await back.getToken());
    }
    expect(tenant.grants('authorization_code')).toHaveLength(2);
  });

  it('refuses to re-authorize a session that ended as it began, which would loop', async () => {
    const { auth, signIn, navigations, tenant, clock } = setup(spa);
    await signIn(auth);
    await auth.reauthorize();
    history.replaceState(null, '', await tenant.authorize(navigations.at(-1)!));
    await auth.handleRedirectCallback();
    clock.time += 5000;
    await auth.getToken({ forceRefresh: true }).catch(() => {});
    const before = navigations.length;
    const error = await rejectionOf(auth.reauthorize());
    expect(error.code).toBe('interaction_required');
    expect(navigations).toHaveLength(before);
    // Later on (and no other re-authorization begun in the last 30 s), it may.
    clock.time += 30_000;
    await auth.reauthorize();
    expect(navigations).toHaveLength(before + 1);
  });
});

describe('renewal: a silent re-authorization (iframeRenewal)', () => {
  /** A `renewal` that plays the hidden frame: the browser at the authorization endpoint. */
  function frame(tenant: ReturnType<typeof setup>['tenant']) {
    const calls: string[] = [];
    const run = vi.fn(async (url: string) => {
      calls.push(url);
      return tenant.authorize(url);
    });
    return { calls, renewal: silentRenewal(run) };
  }

  it('renews ahead of expiry with prompt=none, early enough to announce the end in full', async () => {
    fakeTimers();
    const context = setup(activeUser);
    const { calls, renewal } = frame(context.tenant);
    const auth = context.create({ renewal });
    await context.signIn(auth);
    expect(auth.getSnapshot().renewable).toBe(true);
    const first = await auth.getToken();
    // The leeway (60 s) plus endingSeconds (300 s) before expiry.
    await elapse(context.clock, HOUR - 6 * MINUTE - 1000, MINUTE / 4);
    expect(calls).toHaveLength(0);
    await elapse(context.clock, 2000);
    await eventually(() => calls.length === 1 && auth.getSnapshot().expiresAt! > START + HOUR);
    expect(query(calls[0]).get('prompt')).toBe('none');
    expect(await auth.getToken()).not.toBe(first);
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', renewable: true });
    expect(auth.getSnapshot().ending).toBeUndefined();
    expect(context.tenant.grants('refresh_token')).toHaveLength(0);
    expect(context.tenant.grants('authorization_code')).toHaveLength(2);
  });

  it('keeps the session until it ends when the tenant wants the user, and announces it', async () => {
    fakeTimers();
    const context = setup(spa);
    const { calls, renewal } = frame(context.tenant);
    const auth = context.create({ renewal });
    await context.signIn(auth);
    context.tenant.emulator.endLoginSessions(ALICE.id);
    await elapse(context.clock, HOUR - 6 * MINUTE + 1000, MINUTE / 4);
    await eventually(() => auth.getSnapshot().renewable === false);
    expect(auth.getSnapshot().status).toBe('signedIn');
    expect(auth.getSnapshot().expiresAt).toBe(START + HOUR);
    await elapse(context.clock, MINUTE);
    expect(auth.getSnapshot().ending).toBe(true);
    await elapse(context.clock, 5 * MINUTE);
    await eventually(() => auth.getSnapshot().status === 'signedOut');
    expect(auth.getSnapshot().error).toMatchObject({ code: 'token_expired' });
    // One attempt: the tenant said no for this grant.
    expect(calls).toHaveLength(1);
  });

  it('treats a frame the tenant refuses to show (interaction_required) the same way', async () => {
    fakeTimers();
    const context = setup(spa);
    const run = vi.fn(async () => {
      throw new QlikAuthError('interaction_required', 'refused to be framed');
    });
    const auth = context.create({ renewal: silentRenewal(run) });
    await context.signIn(auth);
    await elapse(context.clock, HOUR - 6 * MINUTE + 1000, MINUTE / 4);
    await eventually(() => auth.getSnapshot().renewable === false);
    await elapse(context.clock, 3 * MINUTE, MINUTE / 4);
    expect(run).toHaveBeenCalledTimes(1);
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', ending: true });
  });

  it('retries a frame that timed out, with backoff', async () => {
    fakeTimers();
    const context = setup({ ...activeUser, auth: { random: () => 0.5 } });
    let failures = 1;
    const run = vi.fn(async (url: string) => {
      if (failures-- > 0) throw new QlikAuthError('timeout', 'slow', { retryable: true });
      return context.tenant.authorize(url);
    });
    const auth = context.create({ renewal: silentRenewal(run) });
    await context.signIn(auth);
    await elapse(context.clock, HOUR - 6 * MINUTE + 1000, MINUTE / 4);
    await eventually(() => run.mock.calls.length === 1);
    await eventually(() => auth.getSnapshot().error?.code === 'timeout');
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', renewable: true });
    await elapse(context.clock, 2000);
    await eventually(() => auth.getSnapshot().expiresAt! > START + HOUR);
    expect(run).toHaveBeenCalledTimes(2);
    expect(auth.getSnapshot().error).toBeUndefined();
  });

  it('renews once for all tabs', async () => {
    installWebLocks();
    const context = setup({ ...activeUser, auth: { autoRefresh: false } });
    const { calls, renewal } = frame(context.tenant);
    const first = context.create({ renewal });
    await context.signIn(first);
    const tabs = [first, context.create({ renewal })];
    expect((await settled(tabs[1]!)).status).toBe('signedIn');
    context.clock.time = START + HOUR - 6 * MINUTE;
    const tokens = await Promise.all(tabs.map((tab) => tab.getToken()));
    expect(tokens[0]).toBe(tokens[1]);
    expect(calls).toHaveLength(1);
  });

  it('renews through the frame on forceRefresh, and ends the session when the tenant wants the user', async () => {
    const context = setup(spa);
    const { calls, renewal } = frame(context.tenant);
    const auth = context.create({ renewal });
    await context.signIn(auth);
    const first = await auth.getToken();
    const forced = await auth.getToken({ forceRefresh: true });
    expect(forced).not.toBe(first);
    context.tenant.emulator.endLoginSessions(ALICE.id);
    const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
    expect(error.code).toBe('login_required');
    expect(auth.getSnapshot()).toMatchObject({
      status: 'signedOut',
      error: { code: 'login_required' },
    });
    expect(calls).toHaveLength(2);
    await tick();
  });
});
