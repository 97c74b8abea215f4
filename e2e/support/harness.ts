import { writeFile } from 'node:fs/promises';
import { expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { EMULATOR, emulatorControl, type LogEntry } from './emulator.js';

/** The plain-HTML mashup and its test-only harness page (apps/mashup, served on 5174). */
export const MASHUP = 'http://localhost:5174/';
export const HARNESS = 'http://localhost:5174/harness.html';

/** What the harness page exposes on `window.harness` (apps/mashup/src/harness.ts). */
interface HarnessSnapshot {
  status: 'loading' | 'signedOut' | 'signedIn';
  expiresAt?: number;
  refreshing?: boolean;
  offline?: boolean;
  renewable?: boolean;
  ending?: boolean;
  /** Who is signed in, from the tenant's `/api/v1/users/me` (never from the token). */
  user?: { id: string; subject?: string; tenantId?: string; name?: string };
  /** A QlikAuthError: `error` is the RFC 6749 error name the tenant sent, if any. */
  error?: {
    code: string;
    retryable: boolean;
    status?: number;
    retryAfter?: number;
    error?: string;
    message: string;
  };
}
interface HarnessGlobal {
  auth: {
    getSnapshot(): HarnessSnapshot;
    getToken(options?: { purpose?: string; forceRefresh?: boolean }): Promise<string>;
    fetch(input: string, init?: RequestInit): Promise<Response>;
    signIn(options?: Record<string, unknown>): Promise<void>;
    signOut(options?: Record<string, unknown>): Promise<void>;
    webSocketUrl(appId: string): Promise<string>;
    webResourceUrl(url: string): Promise<string>;
  };
  transitions: string[];
  seen: { refreshing: number; offline: number };
  warnings: string[];
  options: Record<string, unknown>;
  /** `sessionEnding(auth)`'s snapshot. */
  ending: {
    getSnapshot(): { ending: boolean; secondsLeft?: number; endsAt?: number; renewable: boolean };
  };
  /** How many times the snapshot began to say `ending`. */
  endings(): number;
  /** How the last "Stay signed in" popup ended: `ok`, or an error code. */
  popup: { outcome?: string };
  /** What `handleRedirectCallback` resolved to on this page, or its error's code. */
  callback?: { returnTo?: string; appState?: unknown } | { error: string };
}
declare global {
  interface Window {
    harness: HarnessGlobal;
  }
}

export type Control = ReturnType<typeof emulatorControl>;

/** Options of the harness instance, passed as query parameters. */
export interface HarnessQuery {
  autoRefresh?: boolean;
  leeway?: number;
  /**
   * The OAuth client of the tab (kept by the page for the tab, through the sign-in round trip
   * and reloads): `demo-native` for the tests of refreshing, since `demo-spa`, a single-page
   * app, gets no refresh token. Default: the page's, `demo-spa`.
   */
  client?: string;
  /**
   * Its scopes, space separated. Default: the page's, `user_default` (and `offline_access` on
   * `demo-native`).
   */
  scopes?: string;
  /** `endingSeconds`: how long before a session only the user can renew ends it says so. */
  ending?: number;
  /** `iframe`: silent re-authorization in a hidden frame (`iframeRenewal()`). */
  renewal?: 'iframe';
  /** `redirect`: the page re-authorizes by redirect when its session ends. */
  reauth?: 'redirect';
  /** The `appState` of that re-authorization. */
  appState?: string;
  /** Any other query parameter: the route a re-authorization must come back to. */
  extra?: Record<string, string>;
}

/** The emulator's default client that gets refresh tokens: a public native client. */
export const NATIVE: HarnessQuery = { client: 'demo-native' };

export function harnessUrl(query: HarnessQuery = {}): string {
  const url = new URL(HARNESS);
  if (query.autoRefresh !== undefined)
    url.searchParams.set('autoRefresh', query.autoRefresh ? '1' : '0');
  if (query.leeway !== undefined) url.searchParams.set('leeway', String(query.leeway));
  if (query.client !== undefined) url.searchParams.set('client', query.client);
  if (query.scopes !== undefined) url.searchParams.set('scopes', query.scopes);
  if (query.ending !== undefined) url.searchParams.set('ending', String(query.ending));
  if (query.renewal) url.searchParams.set('renewal', query.renewal);
  if (query.reauth) url.searchParams.set('reauth', query.reauth);
  if (query.appState !== undefined) url.searchParams.set('appState', query.appState);
  for (const [name, value] of Object.entries(query.extra ?? {})) url.searchParams.set(name, value);
  return url.href;
}

/** The mashup page on the tab's client: `query.client` and `query.scopes` only. */
export function mashupUrl(query: HarnessQuery = {}): string {
  const url = new URL(MASHUP);
  if (query.client !== undefined) url.searchParams.set('client', query.client);
  if (query.scopes !== undefined) url.searchParams.set('scopes', query.scopes);
  return url.href;
}

/** Loads the harness and waits until the instance has left `loading`. */
export async function openHarness(page: Page, query: HarnessQuery = {}): Promise<void> {
  await page.goto(harnessUrl(query));
  await page.waitForFunction(() => window.harness?.auth.getSnapshot().status !== 'loading');
}

/**
 * Signs Ada in from the harness with the emulator's `autoApprove` (no login page), then reloads
 * the harness with `query`, so the tab runs with the options the test asked for.
 */
export async function signInOnHarness(
  page: Page,
  control: Control,
  query: HarnessQuery = {},
): Promise<void> {
  await control.configure({ autoApprove: true });
  // The client is chosen before the sign-in: the tab keeps it through the round trip.
  await openHarness(page, { client: query.client, scopes: query.scopes });
  expect(await status(page)).toBe('signedOut');
  // signIn navigates away: start it without awaiting inside the page. The status element only
  // says signedIn once the round trip (authorize, redirect back, code exchange) is done.
  await page.evaluate(() => void window.harness.auth.signIn({ loginHint: 'ada@example.com' }));
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
  expect(new URL(page.url()).searchParams.has('code')).toBe(false);
  await openHarness(page, query);
  expect(await status(page)).toBe('signedIn');
}

/** Opens `count` more tabs of the harness in the same context (same IndexedDB, locks, channel). */
export async function openTabs(
  context: BrowserContext,
  count: number,
  query: HarnessQuery = {},
): Promise<Page[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const page = await context.newPage();
      await openHarness(page, query);
      return page;
    }),
  );
}

export const status = (page: Page) => page.evaluate(() => window.harness.auth.getSnapshot().status);

export const snapshot = (page: Page) =>
  page.evaluate(() => {
    const s = window.harness.auth.getSnapshot();
    return {
      status: s.status,
      expiresAt: s.expiresAt,
      refreshing: s.refreshing,
      offline: s.offline,
      error: s.error && {
        code: s.error.code,
        retryable: s.error.retryable,
        status: s.error.status,
        reason: s.error.error,
      },
    };
  });

export const transitions = (page: Page) => page.evaluate(() => [...window.harness.transitions]);

/** `getToken()` in the page, settled: the token, or the error's code and retryable flag. */
export type TokenResult =
  { ok: true; token: string } | { ok: false; code: string; retryable: boolean; message: string };

export const tokenInTab = (page: Page, options: { forceRefresh?: boolean } = {}) =>
  page.evaluate(
    (opts) =>
      window.harness.auth.getToken(opts).then(
        (token): TokenResult => ({ ok: true, token }),
        (error: { code?: string; retryable?: boolean; message?: string }): TokenResult => ({
          ok: false,
          code: String(error?.code),
          retryable: !!error?.retryable,
          message: String(error?.message),
        }),
      ),
    options,
  );

/** The status `auth.fetch(path)` answers in the page (or the error code it rejects with). */
export const fetchStatusInTab = (page: Page, path: string) =>
  page.evaluate(
    (p) =>
      window.harness.auth.fetch(p).then(
        (response) => response.status,
        (error: { code?: string }) => `rejected:${String(error?.code)}`,
      ),
    path,
  );

/** The claims of a JWT, unverified (the emulator signs them; the test only reads them). */
export function jwtClaims(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** Does the tenant accept this access token for the API right now? */
export async function acceptedByTenant(
  request: { get: (url: string, options: object) => Promise<{ status(): number }> },
  token: string,
): Promise<number> {
  const response = await request.get(`${EMULATOR}/api/v1/users/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status();
}

/**
 * Shortens the session: from now on the tenant issues `ttlSeconds` access tokens, and one forced
 * refresh in `pages[0]` replaces the long sign-in token with such a short one. Resolves once every
 * tab knows the new expiry (learnt over BroadcastChannel, not by a request of its own).
 */
export async function shortenSession(
  pages: Page[],
  control: Control,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: number }> {
  await control.configure({ accessTokenTtlSeconds: ttlSeconds });
  const refreshed = await tokenInTab(pages[0]!, { forceRefresh: true });
  expect(refreshed, 'the forced refresh succeeds').toMatchObject({ ok: true });
  const { expiresAt } = await snapshot(pages[0]!);
  expect(expiresAt).toBeLessThanOrEqual(Date.now() + ttlSeconds * 1000 + 1000);
  await expect
    .poll(async () => (await Promise.all(pages.map(snapshot))).map((s) => s.expiresAt), {
      message: 'every tab learns the new expiry',
    })
    .toEqual(pages.map(() => expiresAt));
  return { token: (refreshed as { token: string }).token, expiresAt: expiresAt! };
}

export const tokenRequests = (log: LogEntry[]) => log.filter((e) => e.path === '/oauth/token');

/** On failure: every tab's transitions, warnings and snapshot, and the emulator's log and stats. */
export async function attachDiagnostics(
  testInfo: TestInfo,
  pages: Page[],
  control: Control,
): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus) return;
  const tabs = await Promise.all(
    pages.map((page, i) =>
      page
        .evaluate(() => ({
          url: location.href,
          transitions: window.harness?.transitions,
          seen: window.harness?.seen,
          warnings: window.harness?.warnings,
          snapshot: window.harness && {
            ...window.harness.auth.getSnapshot(),
            error: window.harness.auth.getSnapshot().error?.code,
          },
        }))
        .then((value) => ({ tab: i, ...value }))
        .catch((error: Error) => ({ tab: i, unavailable: error.message })),
    ),
  );
  const [log, stats] = await Promise.all([control.requests(), control.stats()]).catch(() => [
    [],
    {},
  ]);
  const path = testInfo.outputPath('diagnostics.json');
  await writeFile(path, JSON.stringify({ tabs, stats, log }, null, 2));
  await testInfo.attach('diagnostics.json', { path, contentType: 'application/json' });
}
