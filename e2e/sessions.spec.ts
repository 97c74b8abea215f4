// Sessions on Qlik Cloud's terms in Chromium, against the emulator: its `demo-spa` client is a
// single-page app, which (as on Qlik Cloud) never gets a refresh token. The session is renewed by
// re-authorization with `prompt=none` (a popup from a click, a redirect back to the same route,
// a hidden frame), announced before it ends, once for all tabs. The request log is the evidence.
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { EMULATOR, type LogEntry } from './support/emulator.js';
import {
  NATIVE,
  openHarness,
  openTabs,
  signInOnHarness,
  snapshot,
  status,
  tokenInTab,
  tokenRequests,
  type Control,
  type HarnessQuery,
} from './support/harness.js';
import { captureTokens, storedSession } from './support/tokens.js';

/** Entries of the log from `since` on (the log grows; tests read what a step added). */
const after = (log: LogEntry[], since: number) => log.slice(since);
const authorizations = (log: LogEntry[]) =>
  log.filter((entry) => entry.method === 'GET' && entry.path === '/oauth/authorize');
const grants = (log: LogEntry[], grantType: string) =>
  tokenRequests(log).filter((entry) => entry.grantType === grantType);
/** A login page shown: the authorization endpoint answered with a page, not a redirect. */
const loginPages = (log: LogEntry[]) => authorizations(log).filter((entry) => entry.status === 200);

/** The harness's snapshot fields these tests read, beyond `snapshot()`'s. */
const renewal = (page: Page) =>
  page.evaluate(() => {
    const s = window.harness.auth.getSnapshot();
    return { status: s.status, renewable: s.renewable, ending: !!s.ending, error: s.error?.code };
  });

/** Signs Ada in on the harness with tokens that live `ttl` seconds, then opens it with `query`. */
async function signedIn(page: Page, control: Control, ttl: number, query: HarnessQuery = {}) {
  await control.configure({ accessTokenTtlSeconds: ttl });
  await signInOnHarness(page, control, query);
  // Further sign-ins show the login page, as on a tenant: a re-authorization that needs none
  // proves it by the log (a 302, never a 200 page).
  await control.configure({ autoApprove: false });
}

/** A tab that re-authorizes by redirect when its session ends, on a route with its appState. */
const REAUTH_BY_REDIRECT: HarnessQuery = {
  reauth: 'redirect',
  appState: 'kept',
  extra: { view: 'reports' },
};

/** After a re-authorization by redirect: the appState handed back, on the route, signed in. */
async function backOnTheRoute(page: Page): Promise<void> {
  await page.waitForFunction(() => window.harness?.callback !== undefined);
  expect(await page.evaluate(() => window.harness.callback)).toMatchObject({ appState: 'kept' });
  const back = new URL(page.url());
  expect(back.searchParams.get('view')).toBe('reports');
  expect(back.searchParams.has('code')).toBe(false);
  await expect.poll(() => status(page)).toBe('signedIn');
}

test.describe('sessions of a single-page-app client (no refresh token)', () => {
  test('signs in without a refresh token: none is stored, and no refresh grant is ever sent', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    const tokens = captureTokens(page);
    // The app asks for offline_access too: a single-page app is not granted it.
    await signedIn(page, control, 3600, { scopes: 'user_default offline_access' });
    expect(tokens.access.length).toBeGreaterThan(0);
    expect(tokens.refresh).toEqual([]);
    const stored = await storedSession(page, EMULATOR, 'demo-spa');
    expect(stored).toMatchObject({ accessToken: expect.any(String), scopes: ['user_default'] });
    expect(stored).not.toHaveProperty('refreshToken');
    expect(await renewal(page)).toMatchObject({ status: 'signedIn', renewable: false });
    // The tenant refuses the token: the session ends, typed, with no request to renew it.
    expect(await tokenInTab(page, { forceRefresh: true })).toMatchObject({
      ok: false,
      code: 'session_expired',
    });
    expect(await renewal(page)).toMatchObject({ status: 'signedOut', error: 'session_expired' });
    expect(grants(await control.requests(), 'refresh_token')).toEqual([]);
  });

  test('announces the end of the session ahead of it, once', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 20, { ending: 8 });
    const { expiresAt } = await snapshot(page);
    expect((await renewal(page)).ending).toBe(false);
    await expect.poll(async () => (await renewal(page)).ending, { timeout: 20_000 }).toBe(true);
    // Announced no sooner than 8 s before the end, and counted down from there.
    expect(expiresAt! - Date.now()).toBeLessThanOrEqual(8_500);
    const countdown = await page.evaluate(() => window.harness.ending.getSnapshot());
    expect(countdown).toMatchObject({ ending: true, renewable: false, endsAt: expiresAt });
    expect(countdown.secondsLeft).toBeGreaterThan(0);
    expect(countdown.secondsLeft).toBeLessThanOrEqual(8);
    expect(await page.evaluate(() => window.harness.endings())).toBe(1);
    await expect.poll(() => status(page), { timeout: 15_000 }).toBe('signedOut');
    expect((await renewal(page)).error).toBe('token_expired');
    expect(grants(await control.requests(), 'refresh_token')).toEqual([]);
  });

  test('"Stay signed in" renews in a popup with prompt=none: no login page, back in under 2 s', async ({
    page,
    context,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 3600);
    const before = await tokenInTab(page);
    const since = (await control.requests()).length;
    const popupOpened = context.waitForEvent('page');
    const started = Date.now();
    await page.click('#stay');
    const popup = await popupOpened;
    await expect
      .poll(() => page.evaluate(() => window.harness.popup.outcome), { timeout: 10_000 })
      .toBe('ok');
    const took = Date.now() - started;
    test.info().annotations.push({ type: 'popup renewal (ms)', description: String(took) });
    expect(took, `the popup came back in ${took} ms`).toBeLessThan(2000);
    await expect.poll(() => popup.isClosed()).toBe(true);
    const log = after(await control.requests(), since);
    expect(authorizations(log)).toHaveLength(1);
    expect(loginPages(log)).toEqual([]);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
    expect(grants(log, 'refresh_token')).toEqual([]);
    const renewed = await tokenInTab(page);
    expect(renewed).toMatchObject({ ok: true });
    expect(renewed).not.toEqual(before);
  });

  test('the popup goes on to the login page, with no second click, when the tenant session ended', async ({
    page,
    context,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 3600);
    await control.signOutUser('user-ada');
    const since = (await control.requests()).length;
    const popupOpened = context.waitForEvent('page');
    await page.click('#stay');
    const popup = await popupOpened;
    await popup.getByLabel(/Ada Lovelace/).check();
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.evaluate(() => window.harness.popup.outcome), { timeout: 10_000 })
      .toBe('ok');
    const log = after(await control.requests(), since);
    // prompt=none (login_required, a redirect), then the login page in the same popup.
    expect(authorizations(log).map((entry) => entry.status)).toEqual([302, 200]);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
    expect(await renewal(page)).toMatchObject({ status: 'signedIn', renewable: false });
  });

  test('re-authorizes by redirect when the session ends, back to the same route with appState', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 15, REAUTH_BY_REDIRECT);
    const first = await tokenInTab(page);
    const since = (await control.requests()).length;
    // The token ends; the page leaves for the tenant and comes back by itself.
    await page.waitForURL((url) => url.searchParams.has('code'), { timeout: 30_000 });
    await backOnTheRoute(page);
    expect(await tokenInTab(page)).not.toEqual(first);
    const log = after(await control.requests(), since);
    expect(authorizations(log)).toHaveLength(1);
    expect(loginPages(log)).toEqual([]);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
  });

  test('after the tenant session ends, one interactive login, then back to the route', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 15, REAUTH_BY_REDIRECT);
    await control.signOutUser('user-ada');
    const since = (await control.requests()).length;
    await page.waitForURL((url) => url.origin === EMULATOR, { timeout: 30_000 });
    await page.getByLabel(/Ada Lovelace/).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await backOnTheRoute(page);
    const log = after(await control.requests(), since);
    // prompt=none answered login_required (302), then one login page, one sign-in.
    expect(authorizations(log).map((entry) => entry.status)).toEqual([302, 200]);
    expect(log.filter((entry) => entry.path === '/oauth/authorize/login')).toHaveLength(1);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
  });

  test('4 tabs at the end of the session cause one re-authorization', async ({
    page,
    context,
    tabs: pages,
    control,
  }) => {
    const query: HarnessQuery = { reauth: 'redirect' };
    await signedIn(page, control, 15, query);
    pages.push(page, ...(await openTabs(context, 3, query)));
    for (const tab of pages) expect(await status(tab)).toBe('signedIn');
    const since = (await control.requests()).length;
    const { expiresAt } = await snapshot(page);
    // Each tab ends the session at expiry; one leaves to re-authorize, the others wait for it.
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(async () => (await snapshot(tab)).expiresAt, {
          message: `tab ${i} has the new session`,
          timeout: 40_000,
        })
        .toBeGreaterThan(expiresAt!);
    }
    const tokens = await Promise.all(pages.map((tab) => tokenInTab(tab)));
    expect(new Set(tokens.map((token) => JSON.stringify(token))).size).toBe(1);
    const log = after(await control.requests(), since);
    expect(authorizations(log)).toHaveLength(1);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
    expect(grants(log, 'refresh_token')).toEqual([]);
  });

  test('renews silently in a hidden frame where the tenant allows being framed', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await control.configure({ allowFraming: true });
    await signedIn(page, control, 30, { renewal: 'iframe', ending: 5, leeway: 5 });
    const { expiresAt } = await snapshot(page);
    expect(await renewal(page)).toMatchObject({ renewable: true, ending: false });
    const since = (await control.requests()).length;
    await expect
      .poll(async () => (await snapshot(page)).expiresAt, { timeout: 30_000 })
      .toBeGreaterThan(expiresAt!);
    expect(await renewal(page)).toMatchObject({ status: 'signedIn', renewable: true });
    // Signed in throughout: the page load's loading, then never signed out.
    expect(await page.evaluate(() => window.harness.transitions)).toEqual(['loading', 'signedIn']);
    const log = after(await control.requests(), since);
    expect(authorizations(log)).toHaveLength(1);
    expect(loginPages(log)).toEqual([]);
    expect(grants(log, 'authorization_code')).toHaveLength(1);
    expect(grants(log, 'refresh_token')).toEqual([]);
  });

  test('fails cleanly where framing is refused: kept until it ends, announced, not tried again', async ({
    page,
    tabs: pages,
    control,
  }) => {
    pages.push(page);
    await signedIn(page, control, 30, { renewal: 'iframe', ending: 5, leeway: 5 });
    const since = (await control.requests()).length;
    await expect.poll(async () => (await renewal(page)).renewable, { timeout: 30_000 }).toBe(false);
    expect(await renewal(page)).toMatchObject({ status: 'signedIn' });
    await expect.poll(async () => (await renewal(page)).ending, { timeout: 15_000 }).toBe(true);
    await expect.poll(() => status(page), { timeout: 15_000 }).toBe('signedOut');
    expect((await renewal(page)).error).toBe('token_expired');
    const log = after(await control.requests(), since);
    // One attempt, which the browser refused to show: no code was ever exchanged for it.
    expect(authorizations(log)).toHaveLength(1);
    expect(grants(log, 'authorization_code')).toEqual([]);
  });
});

test.describe('sessions of a native client (a refresh token)', () => {
  test('still refresh as before: renewable, never ending, one refresh grant', async ({
    page,
    control,
  }) => {
    const tokens = captureTokens(page);
    await signInOnHarness(page, control, NATIVE);
    expect(tokens.refresh.length).toBeGreaterThan(0);
    expect(await renewal(page)).toMatchObject({
      status: 'signedIn',
      renewable: true,
      ending: false,
    });
    const stored = await storedSession(page, EMULATOR, 'demo-native');
    expect(stored).toHaveProperty('refreshToken');
    const since = (await control.requests()).length;
    expect(await tokenInTab(page, { forceRefresh: true })).toMatchObject({ ok: true });
    const log = after(await control.requests(), since);
    expect(grants(log, 'refresh_token')).toHaveLength(1);
    expect(authorizations(log)).toEqual([]);
    await openHarness(page, NATIVE);
    expect(await renewal(page)).toMatchObject({ status: 'signedIn', renewable: true });
  });
});
