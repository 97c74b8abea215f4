import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthState, QlikAuth } from '../src/index.js';
import { eventually, installWebLocks, rejectionOf, setup, settled, tick } from './helpers.js';

/** Tabs are instances on one storage, one Web Lock name and one BroadcastChannel name. */

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Every snapshot a tab publishes from now on. */
function record(auth: QlikAuth) {
  const snapshots: AuthState[] = [];
  auth.subscribe(() => snapshots.push(auth.getSnapshot()));
  return snapshots;
}

/** A signed-in tab and `count` more tabs, all restored from storage. */
async function tabs(count: number, overrides: Parameters<typeof setup>[0] = {}) {
  const context = setup(overrides);
  await context.signIn(context.auth);
  const others = Array.from({ length: count }, () => context.create(overrides.auth));
  for (const tab of others) expect((await settled(tab)).status).toBe('signedIn');
  return { ...context, all: [context.auth, ...others], others };
}

describe('one refresh at a time across tabs (Web Locks)', () => {
  it('makes one token request for 4 tabs × 50 concurrent calls after expiry', async () => {
    const locks = installWebLocks();
    const { all, clock, tenant } = await tabs(3, { auth: { autoRefresh: false } });
    clock.time = START + HOUR;
    const tokens = await Promise.all(
      all.flatMap((tab) => Array.from({ length: 50 }, () => tab.getToken())),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(tenant.stats.reuseDetections).toBe(0);
    expect(locks.maxHolders).toBe(1);
    for (const tab of all) expect(tab.getSnapshot().expiresAt).toBe(clock.time + HOUR);
  });

  it('lets the second tab adopt the session the first one stored, without a request', async () => {
    installWebLocks();
    // No BroadcastChannel: the second tab learns of the new tokens from storage alone.
    vi.stubGlobal('BroadcastChannel', undefined);
    const {
      all: [first, second],
      clock,
      tenant,
    } = await tabs(1, { auth: { autoRefresh: false } });
    clock.time = START + HOUR;
    const renewed = await first!.getToken();
    expect(second!.getSnapshot().expiresAt).toBe(START + HOUR);
    expect(await second!.getToken()).toBe(renewed);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    expect(second!.getSnapshot().expiresAt).toBe(clock.time + HOUR);
  });

  it('never sends a rotated-out refresh token, whichever tab refreshes next', async () => {
    installWebLocks();
    vi.stubGlobal('BroadcastChannel', undefined);
    const { all, tenant } = await tabs(2, { auth: { autoRefresh: false } });
    for (let round = 0; round < 9; round += 1) {
      await all[round % 3]!.getToken({ forceRefresh: true });
      await all[(round + 1) % 3]!.getToken({ forceRefresh: true });
    }
    const sent = tenant.sentRefreshTokens();
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(new Set(sent).size).toBe(sent.length);
    // Each one sent was the latest the tenant had issued.
    const issued = [...tenant.refreshTokens];
    sent.forEach((token, i) => expect(token).toBe(issued[i]));
    expect(tenant.stats.reuseDetections).toBe(0);
  });

  it('serialises the refreshes of tabs whose timers fire together', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const locks = installWebLocks();
      const { all, clock, tenant } = await tabs(3, { tenant: { accessTokenTtlSeconds: 120 } });
      clock.time += 61_000;
      await vi.advanceTimersByTimeAsync(61_000);
      await eventually(() =>
        all.every((tab) => tab.getSnapshot().expiresAt === clock.time + 120_000),
      );
      await eventually(() => !locks.busy());
      expect(tenant.grants('refresh_token')).toHaveLength(1);
      expect(tenant.stats.reuseDetections).toBe(0);
      expect(locks.maxHolders).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('tabs agree (BroadcastChannel)', () => {
  it('signs in the other tabs after a sign-in in one', async () => {
    const { auth, signIn, create, tenant } = setup();
    const other = create();
    expect((await settled(other)).status).toBe('signedOut');
    await signIn(auth);
    await eventually(() => other.getSnapshot().status === 'signedIn');
    expect(other.getSnapshot()).toEqual(auth.getSnapshot());
    const requests = tenant.requests.length;
    expect(await other.getToken()).toBe(await auth.getToken());
    expect(tenant.requests.length).toBe(requests);
  });

  it('passes new tokens to the other tabs', async () => {
    const {
      all: [first, second],
      tenant,
      clock,
    } = await tabs(1);
    clock.time += 1000;
    const renewed = await first!.getToken({ forceRefresh: true });
    expect(first!.getSnapshot().expiresAt).toBe(START + HOUR + 1000);
    await eventually(() => second!.getSnapshot().expiresAt === first!.getSnapshot().expiresAt);
    const requests = tenant.requests.length;
    expect(await second!.getToken()).toBe(renewed);
    expect(tenant.requests.length).toBe(requests);
  });

  it('signs out the other tabs after a sign-out in one', async () => {
    const {
      all: [first, second],
    } = await tabs(1);
    const snapshots = record(second!);
    await first!.signOut();
    await eventually(() => second!.getSnapshot().status === 'signedOut');
    expect(second!.getSnapshot()).toEqual({ status: 'signedOut' });
    expect(snapshots).toEqual([{ status: 'signedOut' }]);
    expect((await rejectionOf(second!.getToken())).code).toBe('not_signed_in');
  });

  it('signs out every tab once, with the reason, when the tenant revokes the session', async () => {
    const { all, clock, tenant } = await tabs(3, { auth: { autoRefresh: false } });
    const histories = all.map(record);
    tenant.revokeAll();
    clock.time = START + HOUR;
    const error = await rejectionOf(all[0]!.getToken());
    expect(error).toMatchObject({ code: 'session_expired', status: 401 });
    await eventually(() => all.every((tab) => tab.getSnapshot().status === 'signedOut'));
    for (const tab of all) {
      expect(tab.getSnapshot().error).toMatchObject({
        code: 'session_expired',
        message: 'the refresh token has been revoked',
        qlikErrors: error.qlikErrors,
      });
    }
    // Late messages change nothing: one signedOut in each tab.
    for (let i = 0; i < 20; i += 1) await tick();
    for (const history of histories) {
      expect(history.filter((s) => s.status === 'signedOut')).toHaveLength(1);
    }
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('gives the reason to a tab that was waiting for the lock when the session ended', async () => {
    installWebLocks();
    const { all, clock, tenant } = await tabs(3, { auth: { autoRefresh: false } });
    const histories = all.map(record);
    tenant.revokeAll();
    clock.time = START + HOUR;
    const errors = await Promise.all(all.map((tab) => rejectionOf(tab.getToken())));
    for (const error of errors) expect(error.code).toBe('session_expired');
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    for (let i = 0; i < 20; i += 1) await tick();
    for (const history of histories) {
      expect(history.filter((s) => s.status === 'signedOut')).toHaveLength(1);
      expect(history.at(-1)!.error?.code).toBe('session_expired');
    }
  });

  it('posts the kind of change only: never a token', async () => {
    const { auth, signIn, dbName, tenant } = setup();
    const messages: unknown[] = [];
    const listener = new BroadcastChannel(dbName);
    listener.onmessage = (event) => messages.push(event.data);
    try {
      await signIn(auth);
      await auth.getToken({ forceRefresh: true });
      const accessToken = await auth.getToken();
      await auth.signOut();
      await eventually(() => messages.length === 3);
      expect(messages).toEqual(['session', 'session', 'signedOut']);
      const text = JSON.stringify(messages);
      expect(text).not.toContain(accessToken);
      for (const refreshToken of tenant.refreshTokens) expect(text).not.toContain(refreshToken);
    } finally {
      listener.close();
    }
  });

  it('stops listening on destroy', async () => {
    const { auth, signIn, create } = setup();
    const other = create();
    await settled(other);
    other.destroy();
    await signIn(auth);
    for (let i = 0; i < 20; i += 1) await tick();
    expect(other.getSnapshot().status).toBe('signedOut');
  });
});
