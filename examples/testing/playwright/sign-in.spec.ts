import { expect, test, type Page } from '@playwright/test';

/** The app under test, as registered on the tenant by global-setup.ts. */
const APP = { clientId: 'my-app', origin: 'http://localhost:5173' };
const tenant = () => process.env.QLIK_EMULATOR_URL!;

/**
 * Goes to the tenant's authorization endpoint as an app's `signIn()` would. Your app does this
 * itself once it is given `host: process.env.QLIK_EMULATOR_URL`; the callback page is faked
 * here, so that the example needs no app server.
 */
async function startSignIn(page: Page) {
  await page.route(`${APP.origin}/**`, (route) => route.fulfill({ body: 'the app' }));
  const authorize = new URL('/oauth/authorize', tenant());
  authorize.search = new URLSearchParams({
    client_id: APP.clientId,
    response_type: 'code',
    redirect_uri: `${APP.origin}/callback`,
    scope: 'user_default',
    state: 'state-1',
    // RFC 7636 appendix B's example challenge.
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(authorize.href);
}

test('a user signs in on the tenant’s login page and comes back with a code', async ({ page }) => {
  await startSignIn(page);
  await page.getByLabel('Ada Lovelace').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${APP.origin}/callback?**`);
  const back = new URL(page.url());
  expect(back.searchParams.get('code')).toBeTruthy();
  expect(back.searchParams.get('state')).toBe('state-1');
});

test('a disabled user is refused (driven through the control API)', async ({ page, request }) => {
  await request.post(`${tenant()}/__emulator/users/ada/disable`);
  try {
    await startSignIn(page);
    // A disabled user is not offered on the login page; typing their email is refused.
    await expect(page.getByLabel('Ada Lovelace')).toHaveCount(0);
    await page.getByLabel('or type an email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${APP.origin}/callback?**`);
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
  } finally {
    await request.post(`${tenant()}/__emulator/users/ada/enable`);
  }
});
