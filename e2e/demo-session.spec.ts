// The React demo on its single-page-app client (`demo-spa`, no refresh token): the end of the
// session announced with a "Stay signed in" button that renews in a popup, and a session that
// ends re-authorized by RequireQlikAuth, back to the same page, with no login page.
import { expect, test, type Page } from '@playwright/test';
import { EMULATOR, emulatorControl, type LogEntry } from './support/emulator.js';

const DEMO = 'http://localhost:5173/';
const demoOrigin = new URL(DEMO).origin;

const authorizations = (log: LogEntry[]) =>
  log.filter((entry) => entry.method === 'GET' && entry.path === '/oauth/authorize');
const codeGrants = (log: LogEntry[]) =>
  log.filter((entry) => entry.grantType === 'authorization_code');

/** Signs Ada in on the demo through the login page, on `demo-spa`. */
async function signIn(page: Page): Promise<void> {
  await page.goto(`${DEMO}?client=demo-spa`);
  await page.getByTestId('sign-in').click();
  await page.waitForURL((url) => url.origin === EMULATOR);
  await page.getByLabel(/Ada Lovelace/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === demoOrigin);
  await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedIn');
}

test.describe('React demo: a session without a refresh token', () => {
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('shows when the session ends, and "Stay signed in" renews it in a popup', async ({
    page,
    context,
    request,
  }) => {
    const control = emulatorControl(request);
    // Tokens of 5 minutes and 10 seconds: the demo announces the end 5 minutes ahead.
    await control.configure({ accessTokenTtlSeconds: 310 });
    await signIn(page);
    await expect(page.getByTestId('renewal')).toContainText('no refresh token');
    await expect(page.getByTestId('session-ending')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('seconds-left')).toHaveText(/^[0-5]:\d\d$/);
    const endsBefore = await page.getByTestId('renewal').textContent();
    await control.clearRequests();
    const popupOpened = context.waitForEvent('page');
    await page.getByTestId('stay-signed-in').click();
    const popup = await popupOpened;
    await expect.poll(() => popup.isClosed(), { timeout: 10_000 }).toBe(true);
    // A new session, 5 minutes and 10 seconds long: not ending for its first 10 seconds.
    await expect(page.getByTestId('session-ending')).toBeHidden();
    await expect(page.getByTestId('renewal')).not.toHaveText(endsBefore!);
    const log = await control.requests();
    expect(authorizations(log).map((entry) => entry.status)).toEqual([302]);
    expect(codeGrants(log)).toHaveLength(1);
    expect(log.filter((entry) => entry.grantType === 'refresh_token')).toEqual([]);
    await expect(page.getByTestId('errors-panel')).toHaveAttribute('data-count', '0');
  });

  test('a session that ends is re-authorized by the guard, back to the same page, no login page', async ({
    page,
    request,
  }) => {
    const control = emulatorControl(request);
    await control.configure({ accessTokenTtlSeconds: 15 });
    await signIn(page);
    await page.getByTestId('open-app').first().click();
    await expect(page.getByTestId('engine-panel')).toHaveAttribute('data-status', 'open');
    const route = new URL(page.url()).searchParams.get('app');
    expect(route).toBeTruthy();
    await control.clearRequests();
    // The token ends; the guard leaves with prompt=none and comes back with a new session.
    await page.waitForURL((url) => url.searchParams.has('code'), { timeout: 40_000 });
    await page.waitForURL((url) => !url.searchParams.has('code') && url.origin === demoOrigin);
    await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedIn');
    expect(new URL(page.url()).searchParams.get('app')).toBe(route);
    await expect(page.getByTestId('engine-panel')).toHaveAttribute('data-status', 'open');
    const log = await control.requests();
    expect(authorizations(log).map((entry) => entry.status)).toEqual([302]);
    expect(codeGrants(log)).toHaveLength(1);
  });
});
