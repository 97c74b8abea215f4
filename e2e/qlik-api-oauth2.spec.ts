import { expect, test } from '@playwright/test';
import { emulatorControl } from './support/emulator.js';

// @qlik/api's own documented single-page-app OAuth (`authType: 'oauth2'`, `clientId`,
// `redirectUri`), unchanged and with no qlik-auth code on the page (apps/demo/callback.html),
// signs in against the emulator and reads /api/v1/users/me.
const PAGE = 'http://localhost:5173/callback';

test('@qlik/api signs in with its own OAuth flow against the emulator and reads users/me', async ({
  page,
  request,
}) => {
  const control = emulatorControl(request);
  await control.reset();
  await control.configure({ autoApprove: true });

  await page.goto(PAGE);
  await expect(page.locator('#user-name')).toHaveAttribute('data-status', 'ready');
  await expect(page.locator('#user-name')).toHaveText('Ada Lovelace');
  expect(page.url()).toBe(PAGE);

  // Signed in by @qlik/api's own code exchange, and nothing refused on the way. (A dev server that
  // reloads the page while it optimizes dependencies can make the round trip happen twice.)
  const log = await control.requests();
  const codeGrants = log.filter((e) => e.grantType === 'authorization_code');
  expect(codeGrants.length).toBeGreaterThanOrEqual(1);
  expect(log.filter((e) => (e.status ?? 0) >= 400)).toEqual([]);
  expect(log.filter((e) => e.path === '/api/v1/users/me').at(-1)?.status).toBe(200);
});
