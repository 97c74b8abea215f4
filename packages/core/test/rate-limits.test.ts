/**
 * Qlik Cloud's rate limits (qlik.dev, "Rate limiting"): the token and revocation endpoints allow
 * 100 requests a minute per user; over that, a 429 with `Retry-After` (seconds) and an `HTTP-429`
 * errors body that names the same seconds. The header is not CORS-safelisted, so a page may only
 * have the body: both are read. No request goes out before the wait is over, in any tab.
 */
import { describe, expect, it } from 'vitest';
import { installWebLocks, rejectionOf, setup } from './helpers.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;

/** Qlik's 429: its body names the seconds; the header only where CORS exposes it. */
function rateLimited(seconds: number, header = true): Response {
  return Response.json(
    {
      errors: [
        {
          code: 'HTTP-429',
          title: 'API rate limit reached.',
          detail: `You need to wait ${seconds} seconds until limit is lifted.`,
        },
      ],
    },
    { status: 429, headers: header ? { 'retry-after': String(seconds) } : {} },
  );
}

describe('a rate-limited refresh', () => {
  it.each([
    ['Retry-After, where CORS exposes it', true],
    ['the seconds the errors body names, where it does not', false],
  ])('waits as long as the tenant asks, read from %s', async (_label, header) => {
    const { auth, signIn, clock, tenant } = setup({ auth: { random: () => 0.5 } });
    await signIn(auth);
    const token = await auth.getToken();
    tenant.failNext('/oauth/token', rateLimited(13, header));
    clock.time = START + HOUR - 30_000;
    // Still valid for 30 s: the token in hand is the answer while the tenant says wait.
    expect(await auth.getToken()).toBe(token);
    expect(auth.getSnapshot().error).toMatchObject({
      code: 'server_error',
      status: 429,
      retryable: true,
      retryAfter: 13,
    });
    const sent = tenant.to('/oauth/token').length;
    // The backoff alone would have tried again after 0.5 s; the tenant said 13.
    for (const wait of [500, 5000, 12_400]) {
      clock.time = START + HOUR - 30_000 + wait;
      expect(await auth.getToken()).toBe(token);
      expect(tenant.to('/oauth/token')).toHaveLength(sent);
    }
    clock.time = START + HOUR - 30_000 + 13_000;
    const renewed = await auth.getToken();
    expect(renewed).not.toBe(token);
    expect(tenant.to('/oauth/token')).toHaveLength(sent + 1);
    expect(auth.getSnapshot().error).toBeUndefined();
  });

  it('makes every tab wait: one request before the wait, one after, for four tabs', async () => {
    const locks = installWebLocks();
    {
      const { auth, signIn, clock, tenant, create } = setup({ auth: { random: () => 0.5 } });
      await signIn(auth);
      const tabs = [auth, create(), create(), create()];
      const first = await Promise.all(tabs.map((tab) => tab.getToken()));
      expect(new Set(first).size).toBe(1);
      tenant.failNext('/oauth/token', rateLimited(20, false));
      const sent = tenant.to('/oauth/token').length;
      clock.time = START + HOUR - 30_000;
      // Every tab wants a renewal now; the first to ask is told to wait, the others read that.
      for (const tab of tabs) expect(await tab.getToken()).toBe(first[0]);
      expect(tenant.to('/oauth/token')).toHaveLength(sent + 1);
      // The first heard the 429; the others, the wait it stored (a failure with no request).
      expect(auth.getSnapshot().error).toMatchObject({ status: 429, retryAfter: 20 });
      for (const tab of tabs) {
        expect(tab.getSnapshot().error).toMatchObject({ code: 'server_error', retryAfter: 20 });
      }
      clock.time += 19_000;
      for (const tab of tabs) expect(await tab.getToken()).toBe(first[0]);
      expect(tenant.to('/oauth/token')).toHaveLength(sent + 1);
      clock.time += 1000;
      const after = await Promise.all(tabs.map((tab) => tab.getToken()));
      // After the wait: one refresh for all four; the others adopt what it stored.
      expect(new Set(after).size).toBe(1);
      expect(after[0]).not.toBe(first[0]);
      expect(tenant.to('/oauth/token')).toHaveLength(sent + 2);
      expect(locks.maxHolders).toBe(1);
    }
  });
});

describe('a rate-limited token exchange', () => {
  it('rejects with the wait, sends nothing during it, and one request after', async () => {
    const { auth, signIn, clock, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/oauth/token', rateLimited(30));
    const sent = tenant.to('/oauth/token').length;
    expect(await rejectionOf(auth.getToken({ purpose: 'websocket' }))).toMatchObject({
      code: 'server_error',
      status: 429,
      retryAfter: 30,
    });
    clock.time += 10_000;
    expect(await rejectionOf(auth.getToken({ purpose: 'websocket' }))).toMatchObject({
      code: 'server_error',
      retryable: true,
      retryAfter: 20,
    });
    expect(tenant.to('/oauth/token')).toHaveLength(sent + 1);
    clock.time += 20_000;
    expect(await auth.getToken({ purpose: 'websocket' })).toMatch(/^ey/);
    expect(tenant.to('/oauth/token')).toHaveLength(sent + 2);
  });
});

describe('a rate-limited sign-in', () => {
  it('waits for the code exchange rather than lose the code', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    tenant.failNext('/oauth/token', rateLimited(1));
    const started = performance.now();
    await auth.handleRedirectCallback(callbackUrl);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(auth.getSnapshot().status).toBe('signedIn');
    const exchanges = tenant.to('/oauth/token');
    expect(exchanges).toHaveLength(2);
    expect(exchanges[1]!.params.code).toBe(exchanges[0]!.params.code);
  });

  it('fails typed, with the wait, when the tenant asks for longer than a code lives', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    tenant.failNext('/oauth/token', rateLimited(45));
    expect(await rejectionOf(auth.handleRedirectCallback(callbackUrl))).toMatchObject({
      code: 'server_error',
      status: 429,
      retryAfter: 45,
    });
    expect(tenant.to('/oauth/token')).toHaveLength(1);
  });
});

describe('a rate-limited revocation', () => {
  it('is sent once more after the wait, so that no token is left usable', async () => {
    const { auth, signIn, tenant, warnings } = setup();
    await signIn(auth);
    const accessToken = await auth.getToken();
    tenant.failNext('/oauth/revoke', rateLimited(1));
    await auth.signOut();
    expect(warnings).toEqual([]);
    expect(tenant.to('/oauth/revoke')).toHaveLength(3);
    expect(tenant.revoked).toEqual(
      expect.arrayContaining([{ token: accessToken, hint: 'access_token' }]),
    );
    expect(tenant.revoked).toHaveLength(2);
  });

  it('is given up after a second refusal, with a warning', async () => {
    const { auth, signIn, tenant, warnings } = setup();
    await signIn(auth);
    tenant.failNext('/oauth/revoke', rateLimited(1), 'pass', rateLimited(1));
    await auth.signOut();
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/revoking the tokens failed \(server_error\)/);
  });
});
