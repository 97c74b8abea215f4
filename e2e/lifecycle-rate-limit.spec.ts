import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { emulatorControl, type LogEntry } from './support/emulator.js';
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

// Qlik Cloud rate-limits /oauth/token (qlik.dev, "Rate limiting"): a 429 with `Retry-After` and
// an `HTTP-429` errors body naming the same seconds. The header is not CORS-safelisted, so a
// page reads it only where the tenant exposes it; otherwise the core reads the body.
const RETRY_AFTER = 4;
const TTL_SECONDS = 10;
// Renewal is due LEEWAY seconds before expiry: 4 s after the short token is issued, so the
// wait (4 s) ends before the token does and the tabs never lose it.
const LEEWAY = 6;

const tokenLog = async (control: ReturnType<typeof emulatorControl>) =>
  tokenRequests(await control.requests()) as (LogEntry & { time: string; retryAfter?: number })[];

/** The error each tab shows now: code, status and the seconds it was told to wait. */
const waitShown = (page: Page) =>
  page.evaluate(() => {
    const error = window.harness.auth.getSnapshot().error;
    return error && { code: error.code, retryable: error.retryable, waits: !!error.retryAfter };
  });

test.describe('token lifecycle: two tabs wait out a rate limit', () => {
  for (const [label, exposeRetryAfter] of [
    ['the Retry-After header, exposed by the tenant', true],
    ['the seconds in the HTTP-429 body, the header not exposed', false],
  ] as const) {
    test(`a 429 on the background refresh: nothing is sent during the wait, then one refresh for both tabs (${label})`, async ({
      page,
      context,
      tabs: pages,
      control,
    }) => {
      // demo-native: a client that refreshes (a single-page app gets no refresh token).
      const query = { ...NATIVE, leeway: LEEWAY };
      await signInOnHarness(page, control, query);
      pages.push(page, ...(await openTabs(context, 1, query)));
      await control.configure({ exposeRetryAfter });

      const old = await shortenSession(pages, control, TTL_SECONDS);
      // The refresh after the wait gets a long token again: nothing else is due in the test.
      await control.configure({ accessTokenTtlSeconds: 3600 });
      await control.fault({
        path: '/oauth/token',
        status: 429,
        retryAfter: RETRY_AFTER,
        times: 1,
      });
      await control.clearRequests();

      // The background refresh (due 4 s after the short token) meets the 429.
      await expect
        .poll(async () => (await tokenLog(control)).length, { timeout: TTL_SECONDS * 1000 })
        .toBeGreaterThan(0);
      const [limited] = await tokenLog(control);
      // The fault answers before the body is read: the log has no grant type for it.
      expect(limited).toMatchObject({ fault: 'status', status: 429, retryAfter: RETRY_AFTER });

      // During the wait both tabs stay signed in on the token in hand, show the typed, retryable
      // error with the wait, and send nothing: not for a getToken() either.
      await expect
        .poll(() => Promise.all(pages.map(waitShown)), {
          message: 'both tabs show the wait',
          timeout: RETRY_AFTER * 1000,
        })
        .toEqual(pages.map(() => ({ code: 'server_error', retryable: true, waits: true })));
      for (const tab of pages) {
        expect((await snapshot(tab)).status).toBe('signedIn');
        expect(await tokenInTab(tab)).toEqual({ ok: true, token: old.token });
      }
      expect(await tokenLog(control)).toHaveLength(1);

      // After the wait: one refresh, by one of the tabs; the other adopts what it stored.
      await expect
        .poll(async () => (await tokenLog(control)).length, {
          timeout: (RETRY_AFTER + 5) * 1000,
        })
        .toBe(2);
      const [, renewed] = await tokenLog(control);
      expect(renewed).toMatchObject({ grantType: 'refresh_token', status: 200 });
      const waited = Date.parse(renewed!.time) - Date.parse(limited!.time);
      expect(waited, 'the refresh waits the seconds the tenant named').toBeGreaterThanOrEqual(
        RETRY_AFTER * 1000 - 50,
      );

      await expect
        .poll(
          async () =>
            (await Promise.all(pages.map(snapshot))).map((s) => (s.expiresAt ?? 0) > old.expiresAt),
          { message: 'both tabs learn the renewed expiry' },
        )
        .toEqual(pages.map(() => true));
      const tokens = await Promise.all(pages.map((tab) => tokenInTab(tab)));
      expect(tokens[0]).toMatchObject({ ok: true });
      expect(tokens[1]).toEqual(tokens[0]);
      expect((tokens[0] as { token: string }).token).not.toBe(old.token);
      for (const tab of pages) {
        const now = await snapshot(tab);
        expect(now.status).toBe('signedIn');
        expect(now.error, 'the wait is over and forgotten').toBeUndefined();
        expect(await transitions(tab)).not.toContainEqual(expect.stringMatching(/^signedOut/));
      }
      // Nothing more was sent: still the 429 and the one refresh after it.
      expect((await tokenLog(control)).map((e) => e.status)).toEqual([429, 200]);
    });
  }
});
