import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthState, QlikAuth } from '../src/index.js';
import { installWebLocks, rejectionOf, setup, settled, tick } from './helpers.js';

// The one refresh failure no retry can undo: the tenant rotated the refresh token, and its answer
// never arrived (a dropped connection, a tab suspended mid-request). The client cannot tell a
// request the tenant never saw from one whose answer was lost, so it retries with the refresh
// token it holds, as after any network error. On a tenant with reuse detection (the emulator's
// default; Qlik Cloud does not document what it does) that token is rotated out: the tenant
// revokes the grant, and the session ends, once, with `session_expired`, in every tab. On a
// tenant with a reuse grace period, the retry gets the token the lost answer carried, and the
// session goes on.

/** The tenant's access tokens live two minutes: refreshed a minute before expiry, at 60 s. */
const TTL_MS = 120_000;
/** Every backoff delay is half its bound: the first retry comes 500 ms after the failure. */
const HALF = () => 0.5;

afterEach(() => {
  vi.useRealTimers();
});

/** Every snapshot a tab publishes from now on. */
function record(auth: QlikAuth) {
  const snapshots: AuthState[] = [];
  auth.subscribe(() => snapshots.push(auth.getSnapshot()));
  return snapshots;
}

/**
 * Moves the clock and the timers forward together, a step at a time, as real time would, letting
 * each step's work (IndexedDB, locks, WebCrypto, the tenant) run before the next.
 */
async function elapse(clock: { time: number }, ms: number, step = 100) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.time += step;
    await vi.advanceTimersByTimeAsync(step);
    await tick();
  }
}

/**
 * Lets time pass until `condition` holds, 100 ms at a time, each step with room for its work
 * (IndexedDB, locks, WebCrypto and the tenant run for real); fails after a minute of it.
 */
async function until(clock: { time: number }, condition: () => boolean) {
  for (let waited = 0; !condition(); waited += 100) {
    if (waited > 60_000) throw new Error(`still not true after a minute: ${condition}`);
    clock.time += 100;
    await vi.advanceTimersByTimeAsync(100);
    for (let turn = 0; turn < 50 && !condition(); turn += 1) await tick();
  }
}

/**
 * A signed-in tab and two more restored from storage, refreshing on their own timers, on a tenant
 * whose answer to the next token request is lost after the request was processed.
 */
async function tabsLosingTheNextRefreshAnswer(tenant: { reuseGraceSeconds?: number } = {}) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  installWebLocks();
  const context = setup({
    tenant: { accessTokenTtlSeconds: TTL_MS / 1000, ...tenant },
    auth: { random: HALF },
  });
  await context.signIn(context.auth);
  const others = [context.create(), context.create()];
  for (const tab of others) expect((await settled(tab)).status).toBe('signedIn');
  const all = [context.auth, ...others];
  const histories = all.map(record);
  const refreshToken = [...context.tenant.refreshTokens].at(-1)!;
  context.tenant.failNext('/oauth/token', { dropAfter: true });
  return { ...context, all, histories, refreshToken };
}

describe('a refresh whose answer is lost on a tenant that rotates with reuse detection', () => {
  it('retries with the token it holds; the tenant revokes the grant and every tab ends the session once, with session_expired', async () => {
    const { all, histories, clock, tenant, refreshToken, create } =
      await tabsLosingTheNextRefreshAnswer();

    // The scheduled refreshes, a minute before expiry: the first answer is lost, and the token
    // in hand is still good meanwhile. The retry (another tab's, which found nothing newer
    // stored, or this tab's after its backoff) presents the same, now rotated-out, token.
    await elapse(clock, TTL_MS / 2);
    await until(clock, () => all.every((tab) => tab.getSnapshot().status === 'signedOut'));
    expect(tenant.sentRefreshTokens()).toEqual([refreshToken, refreshToken]);
    expect(tenant.stats.reuseDetections).toBe(1);
    expect(
      histories.flat().filter((snapshot) => snapshot.error?.code === 'network_error'),
      'the lost answer is a retryable network error, not the end',
    ).toContainEqual(expect.objectContaining({ status: 'signedIn' }));
    const error = all[0]!.getSnapshot().error;
    for (const [i, tab] of all.entries()) {
      expect(tab.getSnapshot(), `tab ${i}`).toEqual({
        status: 'signedOut',
        error: expect.objectContaining({
          code: 'session_expired',
          retryable: false,
          status: 401,
          error: 'invalid_grant',
          message: 'the refresh token was already used; its grant is revoked',
        }),
      });
      expect(tab.getSnapshot().error?.qlikErrors, `tab ${i}`).toEqual(error?.qlikErrors);
    }

    // No loop: over the next ten minutes nothing is sent and no tab changes.
    const requests = tenant.requests.length;
    const published = histories.map((history) => history.length);
    await elapse(clock, 10 * 60_000, 1000);
    expect(tenant.requests.length).toBe(requests);
    expect(histories.map((history) => history.length)).toEqual(published);
    for (const history of histories) {
      expect(history.filter((snapshot) => snapshot.status === 'signedOut')).toHaveLength(1);
    }
    for (const tab of all) expect((await rejectionOf(tab.getToken())).code).toBe('not_signed_in');
    // A reload finds the session over too, and asks nothing of the tenant.
    expect(await settled(create())).toMatchObject({ status: 'signedOut' });
    expect(tenant.requests.length).toBe(requests);
  });

  it('continues in every tab when the tenant has a reuse grace period: the retry gets the token the lost answer carried', async () => {
    const { all, clock, tenant, refreshToken, auth } = await tabsLosingTheNextRefreshAnswer({
      reuseGraceSeconds: 30,
    });
    await elapse(clock, TTL_MS / 2);
    await until(clock, () =>
      all.every((tab) => {
        const snapshot = tab.getSnapshot();
        return snapshot.error === undefined && snapshot.expiresAt! > clock.time + TTL_MS / 2;
      }),
    );
    const renewed = all[0]!.getSnapshot();
    expect(renewed).toEqual({
      status: 'signedIn',
      expiresAt: expect.any(Number),
      scopes: renewed.scopes,
      user: renewed.user,
      // A native client's session, with a refresh token: it renews itself.
      renewable: true,
    });
    for (const tab of all) expect(tab.getSnapshot()).toEqual(renewed);
    expect(tenant.sentRefreshTokens()).toEqual([refreshToken, refreshToken]);
    expect(tenant.stats.reuseDetections).toBe(0);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);

    // The next refresh sends the token the retry was given, and the tenant takes it.
    clock.time += 31_000;
    expect(await all[2]!.getToken({ forceRefresh: true })).toMatch(/^ey/);
    const sent = tenant.sentRefreshTokens();
    expect(sent).toHaveLength(3);
    expect(sent[2]).toBe([...tenant.refreshTokens].at(-2));
    expect(tenant.stats.reuseDetections).toBe(0);
    for (const tab of all) expect(tab.getSnapshot().status).toBe('signedIn');
  });

  it('ends the session as without one when the retry comes after the grace period', async () => {
    const { all, clock, tenant, refreshToken } = await tabsLosingTheNextRefreshAnswer({
      reuseGraceSeconds: 1,
    });
    // The network stays down for the first retries of the three tabs (half a second each):
    // the retry that reaches the tenant comes more than a second after the rotation.
    tenant.failNext('/oauth/token', 'drop', 'drop', 'drop', 'drop', 'drop');
    await elapse(clock, TTL_MS / 2);
    await until(clock, () => all.every((tab) => tab.getSnapshot().status === 'signedOut'));
    const sent = tenant.sentRefreshTokens();
    expect(sent.length).toBeGreaterThan(6);
    expect(new Set(sent)).toEqual(new Set([refreshToken]));
    expect(tenant.stats).toMatchObject({ refreshes: 1, reuseDetections: 1 });
    for (const tab of all) {
      expect(tab.getSnapshot().error).toMatchObject({ code: 'session_expired', status: 401 });
    }
  });
});
