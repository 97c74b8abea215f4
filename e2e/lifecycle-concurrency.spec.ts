import { expect, test } from './support/fixtures.js';
import {
  acceptedByTenant,
  jwtClaims,
  NATIVE,
  openTabs,
  shortenSession,
  signInOnHarness,
  snapshot,
  tokenRequests,
  type TokenResult,
} from './support/harness.js';

const TABS = 4;
const CALLS_PER_TAB = 50;
const TTL_SECONDS = 2;

test.describe('token lifecycle: one refresh for many concurrent callers in many tabs', () => {
  test(`${TABS} tabs × ${CALLS_PER_TAB} concurrent getToken() after expiry: one refresh request, one new token for all`, async ({
    page,
    context,
    request,
    tabs: pages,
    control,
  }) => {
    // autoRefresh off: nothing refreshes in the background, so the token really is expired
    // when the calls come, and only the calls themselves can cause the refresh.
    // demo-native: a client that refreshes (a single-page app gets no refresh token).
    const query = { ...NATIVE, autoRefresh: false, leeway: 1 };
    await signInOnHarness(page, control, query);
    pages.push(page, ...(await openTabs(context, TABS - 1, query)));
    for (const tab of pages) expect((await snapshot(tab)).status).toBe('signedIn');

    const old = await shortenSession(pages, control, TTL_SECONDS);

    // Wait (bounded by expect.poll's timeout) until every tab sees the token as expired.
    await expect
      .poll(
        async () =>
          Promise.all(
            pages.map((tab) =>
              tab.evaluate(() => Date.now() >= window.harness.auth.getSnapshot().expiresAt!),
            ),
          ),
        { timeout: (TTL_SECONDS + 5) * 1000 },
      )
      .toEqual(pages.map(() => true));
    // Nothing refreshed in the background meanwhile.
    for (const tab of pages) expect((await snapshot(tab)).expiresAt).toBe(old.expiresAt);
    await control.clearRequests();
    const before = await control.stats();

    // All 200 calls start at the same instant in the 4 tabs.
    const startAt = Date.now() + 500;
    const results = await Promise.all(
      pages.map((tab) =>
        tab.evaluate(
          async ({ startAt, calls }) => {
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
            const settled = await Promise.allSettled(
              Array.from({ length: calls }, () => window.harness.auth.getToken()),
            );
            return settled.map((outcome): TokenResult =>
              outcome.status === 'fulfilled'
                ? { ok: true, token: outcome.value }
                : {
                    ok: false,
                    code: String((outcome.reason as { code?: string })?.code),
                    retryable: !!(outcome.reason as { retryable?: boolean })?.retryable,
                    message: String((outcome.reason as Error)?.message),
                  },
            );
          },
          { startAt, calls: CALLS_PER_TAB },
        ),
      ),
    );

    const all = results.flat();
    expect(all).toHaveLength(TABS * CALLS_PER_TAB);
    const failures = all.filter((r) => !r.ok);
    expect(failures, 'no call fails').toEqual([]);
    const tokens = new Set(all.map((r) => (r as { token: string }).token));
    expect(tokens.size, 'every call in every tab gets the same token').toBe(1);
    const [fresh] = [...tokens] as [string];
    expect(fresh).not.toBe(old.token);
    // Qlik's access token shape (qlik.dev changelog 67): purpose "accessToken", no identity.
    expect(jwtClaims(fresh)).toMatchObject({ purpose: 'accessToken', iss: 'qlik.api' });
    expect(jwtClaims(fresh)).not.toHaveProperty('sub');
    expect(await acceptedByTenant(request, fresh)).toBe(200);

    // Exactly one token request, a refresh_token grant, and no reuse of a rotated-out token.
    const log = tokenRequests(await control.requests());
    expect(log.map((e) => ({ grantType: e.grantType, status: e.status }))).toEqual([
      { grantType: 'refresh_token', status: 200 },
    ]);
    const stats = await control.stats();
    expect(stats.refreshes - before.refreshes).toBe(1);
    expect(stats.reuseDetections).toBe(0);

    // Every tab now holds the new token and its expiry.
    const expiries = (await Promise.all(pages.map(snapshot))).map((s) => s.expiresAt);
    expect(new Set(expiries).size).toBe(1);
    expect(expiries[0]).toBeGreaterThan(old.expiresAt);
  });
});
