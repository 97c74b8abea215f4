import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { EMULATOR } from './support/emulator.js';
import {
  MASHUP,
  acceptedByTenant,
  openTabs,
  status,
  tokenInTab,
  tokenRequests,
  transitions,
} from './support/harness.js';

const mark = (page: Page) =>
  page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
const marked = (page: Page) =>
  page.evaluate(() => (window as unknown as { marker?: string }).marker);

test.describe('token lifecycle: tabs agree on sign-in and sign-out', () => {
  test('a sign-in in the mashup and a sign-out in another tab reach every tab without a reload', async ({
    page: mashup,
    context,
    request,
    control,
    tabs: harnessTabs,
  }) => {
    await mashup.goto(MASHUP);
    await expect(mashup.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    harnessTabs.push(...(await openTabs(context, 2)));
    const [other, third] = harnessTabs as [Page, Page];
    for (const tab of harnessTabs) {
      expect(await status(tab)).toBe('signedOut');
      await mark(tab);
    }

    // Sign in through the login page in the mashup tab.
    await mashup.getByRole('button', { name: 'Sign in with Qlik Cloud' }).click();
    await mashup.waitForURL((url) => url.origin === EMULATOR);
    await mashup.getByLabel(/Ada Lovelace/).check();
    await mashup.getByRole('button', { name: 'Sign in' }).click();
    await expect(mashup.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    await expect(mashup.locator('#user-name')).toHaveText('Ada Lovelace');
    await mark(mashup);

    // The other tabs follow, in the same document, without a token request of their own.
    for (const [i, tab] of harnessTabs.entries()) {
      await expect
        .poll(() => status(tab), { message: `tab ${i} follows the sign-in` })
        .toBe('signedIn');
      expect(await marked(tab), `tab ${i} was not reloaded`).toBe('same document');
      const token = await tokenInTab(tab);
      expect(token).toMatchObject({ ok: true });
      expect(await acceptedByTenant(request, (token as { token: string }).token)).toBe(200);
    }
    // (The mashup's thumbnails add purpose-token exchanges; those are not sign-ins or refreshes.)
    const grants = tokenRequests(await control.requests()).map((e) => e.grantType);
    expect(
      grants.filter((g) => g === 'authorization_code'),
      'one code exchange',
    ).toHaveLength(1);
    expect(
      grants.filter((g) => g === 'refresh_token'),
      'no refresh',
    ).toEqual([]);

    // Sign out in one harness tab: the mashup and the third tab follow.
    await other.evaluate(() => window.harness.auth.signOut());
    await expect(mashup.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    await expect(mashup.locator('#user-card')).toBeHidden();
    await expect(mashup.getByRole('button', { name: 'Sign in with Qlik Cloud' })).toBeVisible();
    expect(await marked(mashup), 'the mashup was not reloaded').toBe('same document');
    await expect.poll(() => status(third)).toBe('signedOut');
    for (const [i, tab] of harnessTabs.entries()) {
      // A sign-out the user asked for carries no error.
      expect(
        (await transitions(tab)).filter((t) => t !== 'loading'),
        `tab ${i}`,
      ).toEqual(['signedOut', 'signedIn', 'signedOut']);
      expect(await tokenInTab(tab)).toMatchObject({ ok: false, code: 'not_signed_in' });
    }
    await expect
      .poll(async () =>
        (await control.requests()).some((e) => e.path === '/oauth/revoke' && e.status === 200),
      )
      .toBe(true);

    // And signing in again from the third tab (the tenant session skips the login page) brings
    // the others back: the channel outlives a sign-out.
    await third.evaluate(() => void window.harness.auth.signIn());
    await expect(third.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    await expect(mashup.locator('#status')).toHaveAttribute('data-status', 'signedIn');
    await expect(mashup.locator('#user-name')).toHaveText('Ada Lovelace');
    await expect.poll(() => status(other)).toBe('signedIn');
    expect(await marked(mashup)).toBe('same document');
    expect(await marked(other)).toBe('same document');
  });
});
