import { expect, test } from './support/fixtures.js';
import {
  NATIVE,
  openTabs,
  shortenSession,
  signInOnHarness,
  snapshot,
  tokenInTab,
  tokenRequests,
  transitions,
} from './support/harness.js';

const TABS = 4;
const TTL_SECONDS = 3;

test.describe('token lifecycle: a refresh token revoked on the server', () => {
  test('every tab goes signed out once, with the typed reason, and no tab keeps trying', async ({
    page,
    context,
    tabs: pages,
    control,
  }) => {
    // demo-native: a client with a refresh token (a single-page app gets none).
    await signInOnHarness(page, control, NATIVE);
    pages.push(page, ...(await openTabs(context, TABS - 1, NATIVE)));
    await shortenSession(pages, control, TTL_SECONDS);
    await control.clearRequests();

    // The admin revokes Ada's grants; the tabs find out at their next (scheduled) refresh.
    const { revokedGrants } = await control.revokeUser('user-ada');
    expect(revokedGrants).toBeGreaterThanOrEqual(1);
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(async () => (await snapshot(tab)).status, {
          message: `tab ${i} signs out`,
          timeout: (TTL_SECONDS + 10) * 1000,
        })
        .toBe('signedOut');
    }

    // Once per tab, with the reason, the same in every tab: the session is over
    // (`session_expired`, not retryable) because the tenant answered 401 invalid_grant.
    for (const [i, tab] of pages.entries()) {
      const list = await transitions(tab);
      const lastSignedIn = list.map((t) => t.startsWith('signedIn')).lastIndexOf(true);
      expect(lastSignedIn, `tab ${i} was signed in`).toBeGreaterThanOrEqual(0);
      expect(list.slice(lastSignedIn + 1), `tab ${i} went signed out once, with a code`).toEqual([
        'signedOut:session_expired',
      ]);
      expect(
        list.filter((t) => t.startsWith('signedOut')),
        `tab ${i}`,
      ).toHaveLength(1);
      expect((await snapshot(tab)).error, `tab ${i}`).toEqual({
        code: 'session_expired',
        retryable: false,
        status: 401,
        reason: 'invalid_grant',
      });
    }

    // One refresh attempt in all (the other tabs re-read storage under the lock, or heard the
    // broadcast), answered 401, and nothing after it.
    const attempts = tokenRequests(await control.requests());
    expect(attempts.map((e) => ({ grantType: e.grantType, status: e.status }))).toEqual([
      { grantType: 'refresh_token', status: 401 },
    ]);
    const settledAt = (await control.requests()).length;
    // No loop: over two more token lifetimes, no tab sends anything to the tenant or changes.
    const before = await Promise.all(pages.map(transitions));
    await page.waitForTimeout(2 * TTL_SECONDS * 1000);
    expect((await control.requests()).slice(settledAt), 'no request after the sign-out').toEqual(
      [],
    );
    expect(await Promise.all(pages.map(transitions))).toEqual(before);
    // And asking for a token now is a typed error, not a request.
    for (const tab of pages) {
      expect(await tokenInTab(tab)).toMatchObject({ ok: false, code: 'not_signed_in' });
    }
    expect((await control.requests()).slice(settledAt)).toEqual([]);
    expect((await control.stats()).reuseDetections).toBe(0);
  });
});
