import { expect, test } from './support/fixtures.js';
import { type LogEntry } from './support/emulator.js';
import {
  acceptedByTenant,
  NATIVE,
  openTabs,
  shortenSession,
  signInOnHarness,
  snapshot,
  tokenInTab,
  tokenRequests,
  transitions,
} from './support/harness.js';

const TTL_SECONDS = 3;

/** What a token request was answered, as the tenant logged it. */
const outcomes = (log: LogEntry[]) =>
  tokenRequests(log).map((e) => ({
    grantType: e.grantType,
    status: e.status,
    ...(e.fault && { fault: e.fault }),
    ...(e.reuseDetected && { reuseDetected: true }),
  }));

// The tenant rotates the refresh token and the answer never arrives (the emulator's dropAfter
// fault destroys the connection once the refresh is done). The client retries with the token
// it holds (Chromium itself may resend the POST on a dropped keep-alive connection): on a tenant
// with reuse detection that ends the session; with a reuse grace period, it goes on.
test.describe('token lifecycle: a refresh whose answer is lost', () => {
  test('with reuse detection, both tabs go signed out once with session_expired, and nothing is sent after', async ({
    page,
    context,
    tabs: pages,
    control,
  }) => {
    // demo-native: a client with a refresh token (a single-page app gets none).
    await signInOnHarness(page, control, NATIVE);
    pages.push(page, ...(await openTabs(context, 1, NATIVE)));
    await shortenSession(pages, control, TTL_SECONDS);
    await control.clearRequests();
    await control.fault({ path: '/oauth/token', dropAfter: true, times: 1 });

    // The next scheduled refresh loses its answer; the retry presents the rotated-out token.
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(async () => (await snapshot(tab)).status, {
          message: `tab ${i} signs out`,
          timeout: (TTL_SECONDS + 10) * 1000,
        })
        .toBe('signedOut');
    }
    expect(outcomes(await control.requests())).toEqual([
      { grantType: 'refresh_token', status: 200, fault: 'dropAfter' },
      { grantType: 'refresh_token', status: 401, reuseDetected: true },
    ]);
    for (const [i, tab] of pages.entries()) {
      const list = await transitions(tab);
      const lastSignedIn = list.map((t) => t === 'signedIn').lastIndexOf(true);
      // At most a retryable network error on the way (Chromium may have resent the request
      // itself), then signed out once, with the reason.
      expect(
        list.slice(lastSignedIn + 1).filter((t) => t !== 'signedIn:network_error'),
        `tab ${i}`,
      ).toEqual(['signedOut:session_expired']);
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

    // No loop: over two more token lifetimes, no tab sends anything or changes.
    const settledAt = (await control.requests()).length;
    const before = await Promise.all(pages.map(transitions));
    await page.waitForTimeout(2 * TTL_SECONDS * 1000);
    expect((await control.requests()).slice(settledAt), 'no request after the sign-out').toEqual(
      [],
    );
    expect(await Promise.all(pages.map(transitions))).toEqual(before);
    for (const tab of pages) {
      expect(await tokenInTab(tab)).toMatchObject({ ok: false, code: 'not_signed_in' });
    }
    expect((await control.stats()).reuseDetections).toBe(1);
  });

  test('with a reuse grace period on the tenant, the retry is answered and both tabs go on', async ({
    page,
    context,
    request,
    tabs: pages,
    control,
  }) => {
    await signInOnHarness(page, control, NATIVE);
    pages.push(page, ...(await openTabs(context, 1, NATIVE)));
    await control.configure({ reuseGraceSeconds: 30 });
    const { expiresAt } = await shortenSession(pages, control, TTL_SECONDS);
    await control.clearRequests();
    await control.fault({ path: '/oauth/token', dropAfter: true, times: 1 });

    // The lost answer, the retry it took, and at least two scheduled refreshes after it.
    await expect
      .poll(
        async () =>
          outcomes(await control.requests()).filter((o) => o.status === 200 && !o.fault).length,
        { timeout: (4 * TTL_SECONDS + 10) * 1000 },
      )
      .toBeGreaterThanOrEqual(3);
    const log = outcomes(await control.requests());
    expect(log[0]).toEqual({ grantType: 'refresh_token', status: 200, fault: 'dropAfter' });
    expect(log.slice(1).every((o) => o.status === 200 && !o.reuseDetected)).toBe(true);
    expect((await control.stats()).reuseDetections).toBe(0);

    for (const [i, tab] of pages.entries()) {
      const now = await snapshot(tab);
      expect(now.status, `tab ${i}`).toBe('signedIn');
      expect(now.expiresAt!, `tab ${i}`).toBeGreaterThan(expiresAt);
      expect((await transitions(tab)).filter((t) => t.startsWith('signedOut:'))).toEqual([]);
      const token = await tokenInTab(tab);
      expect(token, `tab ${i}`).toMatchObject({ ok: true });
      expect(await acceptedByTenant(request, (token as { token: string }).token)).toBe(200);
    }
  });
});
