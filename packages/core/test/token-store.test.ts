import { afterEach, describe, expect, it, vi } from 'vitest';
import { tokenStore, type TokenState } from '../src/index.js';
import { qlikError } from './tenant.js';
import { eventually, setup, settled } from './helpers.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock and the timers forward together, a step at a time, as real time would. */
async function elapse(clock: { time: number }, ms: number, step = 1000) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.time += step;
    await vi.advanceTimersByTimeAsync(step);
  }
}

describe('tokenStore', () => {
  it('holds the access token of the session with its expiry, the same object until it changes', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    const store = tokenStore(auth);
    expect(tokenStore(auth, 'access')).toBe(store);
    const snapshot = store.getSnapshot();
    expect(snapshot).toEqual({
      token: await auth.getToken(),
      expiresAt: auth.getSnapshot().expiresAt,
    });
    expect(store.getSnapshot()).toBe(snapshot);
    const listener = vi.fn();
    store.subscribe(listener);
    const renewed = await auth.getToken({ forceRefresh: true });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getSnapshot()).toEqual({
      token: renewed,
      expiresAt: auth.getSnapshot().expiresAt,
    });
  });

  it('is empty while signed out, and empties at sign-out', async () => {
    const { auth, signIn } = setup();
    await settled(auth);
    const store = tokenStore(auth, 'websocket');
    const seen: TokenState[] = [];
    store.subscribe(() => seen.push(store.getSnapshot()));
    expect(store.getSnapshot()).toEqual({});
    await signIn(auth);
    await eventually(() => store.getSnapshot().token);
    await auth.signOut({ revoke: false });
    expect(store.getSnapshot()).toEqual({});
    expect(seen.map((s) => !!s.token)).toEqual([true, false]);
  });

  it('exchanges a purpose token once for all its readers, with the expiry the tenant sent', async () => {
    const { auth, signIn, tenant, clock } = setup({ tenant: { purposeTokenTtlSeconds: 300 } });
    await signIn(auth);
    const store = tokenStore(auth, 'webresource');
    expect(tenant.grants(EXCHANGE)).toHaveLength(0); // nobody reads it yet
    store.subscribe(() => {});
    store.subscribe(() => {});
    await eventually(() => store.getSnapshot().token);
    expect(tenant.grants(EXCHANGE)).toHaveLength(1);
    expect(store.getSnapshot().expiresAt).toBe(clock.time + 300_000);
    expect(await auth.getToken({ purpose: 'webresource' })).toBe(store.getSnapshot().token);
  });

  it('renews a purpose token before it expires on the instance timer, and stops once unread', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, tenant, clock } = setup({ tenant: { purposeTokenTtlSeconds: 120 } });
    await signIn(auth);
    const store = tokenStore(auth, 'websocket');
    const unsubscribe = store.subscribe(() => {});
    await eventually(() => store.getSnapshot().token);
    const first = store.getSnapshot();
    // Renewed half-way through its 2-minute life (the leeway shrinks for short-lived tokens).
    await elapse(clock, 59_000);
    expect(store.getSnapshot()).toBe(first);
    await elapse(clock, 2_000);
    await eventually(() => store.getSnapshot() !== first);
    expect(store.getSnapshot().expiresAt).toBeGreaterThanOrEqual(START + 60_000 + 120_000);
    expect(tenant.grants(EXCHANGE)).toHaveLength(2);
    unsubscribe();
    await elapse(clock, 600_000, 10_000);
    expect(tenant.grants(EXCHANGE)).toHaveLength(2);
  });

  it('says why a purpose token was refused, keeps the session, and retries a passing failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, tenant, clock } = setup({ auth: { random: () => 0.5 } });
    await signIn(auth);
    tenant.failNext('/oauth/token', qlikError(503, 'server_error', 'busy'));
    const store = tokenStore(auth, 'websocket');
    store.subscribe(() => {});
    await eventually(() => store.getSnapshot().error);
    expect(store.getSnapshot()).toEqual({
      error: expect.objectContaining({ code: 'server_error' }),
    });
    expect(auth.getSnapshot().status).toBe('signedIn');
    await elapse(clock, 1_000, 250);
    await eventually(() => store.getSnapshot().token);
    expect(store.getSnapshot().error).toBeUndefined();
    expect(tenant.grants(EXCHANGE)).toHaveLength(2);
  });

  it('keeps the access token fresh while read, even without autoRefresh', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { auth, signIn, tenant, clock } = setup({ auth: { autoRefresh: false } });
    await signIn(auth);
    const store = tokenStore(auth);
    const first = store.getSnapshot().token;
    const unsubscribe = store.subscribe(() => {});
    await elapse(clock, 3600_000 - 59_000, 60_000);
    await eventually(() => store.getSnapshot().token !== first);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    unsubscribe();
    await elapse(clock, 2 * 3600_000, 60_000);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('fetches a purpose token that looks expired on arrival no more than once per 5 seconds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // The tenant's clock is two hours behind and its tokens are opaque (no iat, no Date header):
    // nothing tells this clock the offset, so every expires_at it sends is already past here.
    const { auth, signIn, tenant, clock } = setup({
      tenant: { clockOffsetMs: -2 * 3600_000, opaqueTokens: true },
      auth: { autoRefresh: false },
    });
    await signIn(auth);
    const store = tokenStore(auth, 'webresource');
    store.subscribe(() => {});
    await eventually(() => store.getSnapshot().token);
    await elapse(clock, 20_000, 500);
    // Fetched again after the floor (the timer, not a loop), at most once per 5 s of the clock.
    await eventually(() => tenant.grants(EXCHANGE).length >= 2);
    expect(tenant.grants(EXCHANGE).length).toBeLessThanOrEqual(5);
  });
});
