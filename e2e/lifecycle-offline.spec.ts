import { expect, test } from './support/fixtures.js';
import {
  NATIVE,
  mashupUrl,
  acceptedByTenant,
  fetchStatusInTab,
  openTabs,
  shortenSession,
  signInOnHarness,
  snapshot,
  tokenInTab,
  tokenRequests,
  transitions,
} from './support/harness.js';

const TTL_SECONDS = 3;

test.describe('token lifecycle: offline for longer than the token lifetime', () => {
  test.afterEach(async ({ context }) => {
    await context.setOffline(false);
  });

  test('the snapshot says offline while the network is gone, and the session recovers without a sign-in', async ({
    page,
    context,
    request,
    tabs: pages,
    control,
  }) => {
    // demo-native: the session recovers by refreshing, which a single-page app cannot do.
    await signInOnHarness(page, control, NATIVE);
    pages.push(page, ...(await openTabs(context, 1, NATIVE)));
    // The mashup too, in a third tab of the same browser: its badge tells the user.
    const mashup = await context.newPage();
    await mashup.goto(mashupUrl(NATIVE));
    await expect(mashup.locator('#user-name')).toHaveText('Ada Lovelace');
    await expect(mashup.locator('#apps-status')).toHaveAttribute('data-state', 'loaded');
    const { expiresAt } = await shortenSession(pages, control, TTL_SECONDS);
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'no reload'));
    await control.clearRequests();

    await context.setOffline(true);
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(async () => (await snapshot(tab)).offline, {
          message: `tab ${i} says offline`,
          timeout: (TTL_SECONDS + 10) * 1000,
        })
        .toBe(true);
    }
    await expect(mashup.locator('#network')).toHaveAttribute('data-network', 'offline');
    await expect(mashup.locator('#network')).toBeVisible();
    // Stay offline until the token has expired (with a margin) in every tab.
    await page.waitForTimeout(Math.max(0, expiresAt + 1500 - Date.now()));
    for (const [i, tab] of pages.entries()) {
      const s = await snapshot(tab);
      expect(s.status, `tab ${i} is still signed in while offline`).toBe('signedIn');
      expect(s.offline, `tab ${i} still says offline`).toBe(true);
    }
    // The token has really expired and cannot be renewed now: getToken() settles (no hung
    // promise) with a retryable error.
    const offlineCall = await Promise.race([
      tokenInTab(page),
      new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 15_000)),
    ]);
    expect(offlineCall).toMatchObject({ ok: false, retryable: true });

    await context.setOffline(false);
    const online = Date.now();
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(
          async () => {
            const s = await snapshot(tab);
            return { status: s.status, offline: !!s.offline };
          },
          { message: `tab ${i} is back online and signed in`, timeout: 15_000 },
        )
        .toEqual({ status: 'signedIn', offline: false });
      await expect
        .poll(
          async () => {
            const result = await tokenInTab(tab);
            return result.ok ? acceptedByTenant(request, result.token) : result.code;
          },
          { message: `tab ${i} has a valid token again`, timeout: 15_000 },
        )
        .toBe(200);
      await expect
        .poll(() => fetchStatusInTab(tab, '/api/v1/users/me'), { timeout: 5_000 })
        .toBe(200);
    }
    await expect(mashup.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    await expect(mashup.locator('#network')).toBeHidden();
    await expect(mashup.locator('#user-name')).toHaveText('Ada Lovelace');
    console.info(`offline: recovered ${Date.now() - online} ms after going online`);

    // Recovered by refreshing, not by signing in again; and never signed out on the way.
    const log = await control.requests();
    expect(log.filter((e) => e.path.startsWith('/oauth/authorize'))).toEqual([]);
    const grants = tokenRequests(log).map((e) => e.grantType);
    expect(grants).toContain('refresh_token');
    expect(grants.filter((g) => g === 'authorization_code')).toEqual([]);
    expect((await control.stats()).reuseDetections).toBe(0);
    for (const [i, tab] of pages.entries()) {
      expect(
        (await transitions(tab)).filter((t) => t.startsWith('signedOut')),
        `tab ${i} never signed out`,
      ).toEqual([]);
      expect(
        await tab.evaluate(() => window.harness.seen.offline),
        `tab ${i} reported offline`,
      ).toBeGreaterThanOrEqual(1);
    }
    expect(await page.evaluate(() => (window as unknown as { marker: string }).marker)).toBe(
      'no reload',
    );
  });
});
