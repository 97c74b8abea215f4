import { expect, test, type Page } from '@playwright/test';
import { EMULATOR, emulatorControl, type LogEntry } from './support/emulator.js';

// @qlik/api, bundled from node_modules into the demo's test page (apps/demo/harness.html), runs
// on a qlik-auth session through `qlikApiAuthModule`: its REST calls, engine sessions and web
// resource URLs take their tokens from @qlik-auth/core. Its runtime comes from the emulator's
// /qlik-embed/main.js, as it comes from a tenant's.
const HARNESS = 'http://localhost:5173/harness.html';
const SALES_APP = 'a1b2c3d4-0001-4000-8000-000000000001';

/** What the page's calls resolve with (apps/demo/src/harness/qlik-api-on-qlik-auth.ts). */
type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: {
        name: string;
        message: string;
        isQlikAuthError: boolean;
        code?: unknown;
        status?: unknown;
      };
    };
interface QlikApiHarness {
  auth: {
    getSnapshot(): { status: string; expiresAt?: number; error?: { code: string } };
    signIn(options?: Record<string, unknown>): Promise<void>;
  };
  getMyUser(): Promise<Outcome<{ id: string; name: string; email?: string }>>;
  getApps(): Promise<
    Outcome<{ data: { name: string; resourceId?: string; thumbnail?: string }[] }>
  >;
  getAppLayout(appId: string): Promise<Outcome<{ qTitle: string }>>;
  loadThumbnail(url: string): Promise<Outcome<{ width: number; params: string[] }>>;
}
declare global {
  interface Window {
    qlikApiHarness: QlikApiHarness;
  }
}

type Control = ReturnType<typeof emulatorControl>;

async function openHarness(page: Page, query = ''): Promise<void> {
  await page.goto(`${HARNESS}${query}`);
  await expect(page.locator('#status')).not.toHaveAttribute('data-status', 'loading');
}

/**
 * The query that puts a tab on `demo-native`, the emulator's client that gets refresh tokens (the
 * page keeps it for the tab); `demo-spa`, the default, is a single-page app and gets none.
 */
const NATIVE = '?client=demo-native';

/**
 * Ada signs in on the harness (the emulator approves at once) on the client `start` chooses,
 * and the harness then loads with `query`.
 */
async function signIn(page: Page, control: Control, query = '', start = ''): Promise<void> {
  await control.configure({ autoApprove: true });
  await openHarness(page, start);
  await page.evaluate(
    () => void window.qlikApiHarness.auth.signIn({ loginHint: 'ada@example.com' }),
  );
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
  if (query) await openHarness(page, query);
}

const refreshGrants = (log: LogEntry[]) => log.filter((e) => e.grantType === 'refresh_token');

test.describe('@qlik/api on qlikApiAuthModule, in Chromium against the emulator', () => {
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('reads the user, the apps and an app layout, and loads a thumbnail', async ({
    page,
    request,
  }) => {
    const control = emulatorControl(request);
    await signIn(page, control);
    await control.clearRequests();

    const me = await page.evaluate(() => window.qlikApiHarness.getMyUser());
    expect(me).toMatchObject({ ok: true, value: { id: 'user-ada', name: 'Ada Lovelace' } });

    const apps = await page.evaluate(() => window.qlikApiHarness.getApps());
    expect(apps.ok).toBe(true);
    const list = apps.ok ? apps.value.data : [];
    expect(list.map((app) => app.name)).toEqual(
      expect.arrayContaining(['Sales Overview', 'Customer Churn', 'Supply Chain']),
    );

    const layout = await page.evaluate((id) => window.qlikApiHarness.getAppLayout(id), SALES_APP);
    expect(layout).toEqual({ ok: true, value: { qTitle: 'Sales Overview' } });

    const sales = list.find((app) => app.resourceId === SALES_APP)!;
    const thumbnail = await page.evaluate(
      (url) => window.qlikApiHarness.loadThumbnail(url),
      sales.thumbnail ?? `${EMULATOR}/api/v1/apps/${SALES_APP}/media/thumbnail`,
    );
    expect(thumbnail).toMatchObject({ ok: true, value: { params: ['accessToken'] } });
    expect(thumbnail.ok && thumbnail.value.width).toBeGreaterThan(0);

    const log = await control.requests();
    // One exchange per purpose: the engine socket's token and the thumbnail's.
    const exchanges = log.filter((e) => e.purpose).map((e) => e.purpose);
    expect(exchanges.sort()).toEqual(['webresource', 'websocket']);
    expect(log.filter((e) => e.status === 401)).toEqual([]);
    expect(refreshGrants(log)).toEqual([]);
  });

  test('the access token expires mid-test: the next call in each of two tabs succeeds after exactly one refresh', async ({
    page,
    context,
    request,
  }) => {
    const control = emulatorControl(request);
    await control.configure({ accessTokenTtlSeconds: 6 });
    // No background refresh: the token really expires, and @qlik/api's next call renews it.
    // On demo-native: the tabs renew by refreshing, which a single-page app cannot do.
    await signIn(page, control, '?autoRefresh=0', NATIVE);
    const other = await context.newPage();
    await openHarness(other, `${NATIVE}&autoRefresh=0`);
    await expect(other.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    for (const tab of [page, other]) {
      expect(await tab.evaluate(() => window.qlikApiHarness.getMyUser())).toMatchObject({
        ok: true,
      });
    }

    const expiresAt = await page.evaluate(
      () => window.qlikApiHarness.auth.getSnapshot().expiresAt!,
    );
    await page.waitForTimeout(Math.max(0, expiresAt - Date.now()) + 500);
    await control.clearRequests();

    const outcomes = await Promise.all(
      [page, other].map((tab) =>
        tab.evaluate(() =>
          Promise.all([window.qlikApiHarness.getMyUser(), window.qlikApiHarness.getApps()]),
        ),
      ),
    );
    for (const [me, apps] of outcomes) {
      expect(me).toMatchObject({ ok: true, value: { name: 'Ada Lovelace' } });
      expect(apps).toMatchObject({ ok: true });
    }
    const log = await control.requests();
    const refreshes = refreshGrants(log);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.status).toBe(200);
    // Renewed before the calls went out: the tenant refused none of them.
    expect(log.filter((e) => e.status === 401)).toEqual([]);
    expect((await control.stats()).reuseDetections).toBe(0);
  });

  test('after a server-side revocation @qlik/api rejects once with the typed error, and does not loop', async ({
    page,
    request,
  }) => {
    const control = emulatorControl(request);
    // On demo-native: the revocation is found out by a refused refresh.
    await signIn(page, control, '', NATIVE);
    // Back on the page the sign-in started from, through the demo's callback page.
    expect(page.url()).toBe(`${HARNESS}${NATIVE}`);
    expect(await page.evaluate(() => window.qlikApiHarness.getMyUser())).toMatchObject({
      ok: true,
    });

    await control.revokeUser('user-ada');
    await control.clearRequests();
    const refused = await page.evaluate(() => window.qlikApiHarness.getMyUser());
    expect(refused).toEqual({
      ok: false,
      error: expect.objectContaining({ isQlikAuthError: true, code: 'session_expired' }),
    });
    // The app's own sign-in takes over: the session is over, and nothing navigated.
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    expect(page.url()).toBe(`${HARNESS}${NATIVE}`);

    // No loop: one refused call, one refused refresh, and quiet after that.
    await page.waitForTimeout(1500);
    const log = await control.requests();
    expect(refreshGrants(log).map((e) => e.status)).toHaveLength(1);
    const calls = log.filter((e) => e.path === '/api/v1/users/me' && e.method !== 'OPTIONS');
    expect(calls.map((e) => e.status)).toEqual([401]);
    expect(log.filter((e) => e.path === '/oauth/authorize')).toEqual([]);

    // The next call rejects at once, sending nothing.
    const again = await page.evaluate(() => window.qlikApiHarness.getApps());
    expect(again).toEqual({
      ok: false,
      error: expect.objectContaining({ isQlikAuthError: true, code: 'not_signed_in' }),
    });
    expect(await control.requests()).toHaveLength(log.length);
  });
});
