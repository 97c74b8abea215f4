import { expect, test } from './support/fixtures.js';
import { EMULATOR } from './support/emulator.js';
import {
  acceptedByTenant,
  fetchStatusInTab,
  NATIVE,
  openTabs,
  shortenSession,
  signInOnHarness,
  tokenInTab,
  tokenRequests,
  transitions,
} from './support/harness.js';

const TABS = 4;
const TTL_SECONDS = 3;
const CYCLES = 50;
/** Hard limits of the soak loop, well inside the test's own timeout. */
const SOAK_LIMIT_MS = 170_000;
const SOAK_MAX_ROUNDS = 400;

// Injected on POST /oauth/token. The emulator tries them in order: one of each kind for certain
// on the first three token requests, then each kind with its own chance, so that together about
// 1 - 0.88 × 0.9 × 0.9 ≈ 29% of token requests are hit.
const token = { path: '/oauth/token', method: 'POST' };
const CERTAIN = [
  { ...token, drop: true, times: 1 },
  { ...token, status: 503, times: 1 },
  { ...token, delayMs: 1200, times: 1 },
];
const RANDOM = [
  { ...token, status: 503, probability: 0.12 },
  { ...token, drop: true, probability: 0.1 },
  { ...token, delayMs: 1200, probability: 0.1 },
];

test.describe('token lifecycle soak: refresh across tabs on a flaky token endpoint', () => {
  test.afterEach(async ({ control }) => {
    // A probability fault must not outlive the spec.
    await control.clearFaults();
  });

  test(`${CYCLES}+ refresh cycles in ${TABS} tabs with ~30% 503s, delays and dropped connections: no sign-out, no reuse, fresh tokens once the faults stop`, async ({
    page,
    context,
    request,
    tabs: pages,
    control,
  }) => {
    test.setTimeout(240_000);
    // demo-native: a client with a refresh token (a single-page app gets none).
    await signInOnHarness(page, control, NATIVE);
    pages.push(page, ...(await openTabs(context, TABS - 1, NATIVE)));
    await shortenSession(pages, control, TTL_SECONDS);
    await control.clearRequests();
    const start = await control.stats();
    for (const fault of [...CERTAIN, ...RANDOM]) await control.fault(fault);

    // Light traffic in every tab while the soak runs: a getToken() every 300 ms, bounded. A
    // rejection is allowed only as a retryable one (the token really expired mid-outage).
    for (const tab of pages) {
      await tab.evaluate((limitMs) => {
        const w = window as unknown as { soak: { ok: number; failures: string[]; stop: boolean } };
        w.soak = { ok: 0, failures: [], stop: false };
        const until = Date.now() + limitMs;
        const tick = async () => {
          if (w.soak.stop || Date.now() > until) return;
          try {
            await window.harness.auth.getToken();
            w.soak.ok += 1;
          } catch (error) {
            const e = error as { code?: string; retryable?: boolean };
            w.soak.failures.push(`${e.code}:${e.retryable ? 'retryable' : 'final'}`);
          }
          setTimeout(() => void tick(), 300);
        };
        void tick();
      }, SOAK_LIMIT_MS + 30_000);
    }

    // Run until the tenant has served CYCLES refreshes, checking every tab each second.
    const deadline = Date.now() + SOAK_LIMIT_MS;
    let refreshes = 0;
    for (let round = 0; round < SOAK_MAX_ROUNDS && Date.now() < deadline; round += 1) {
      refreshes = (await control.stats()).refreshes - start.refreshes;
      const seen = await Promise.all(pages.map(transitions));
      for (const [i, list] of seen.entries()) {
        expect(
          list.filter((t) => t.startsWith('signedOut')),
          `tab ${i} never signs out`,
        ).toEqual([]);
      }
      expect((await control.stats()).reuseDetections, 'no refresh token is used twice').toBe(0);
      if (refreshes >= CYCLES) break;
      await page.waitForTimeout(1000);
    }
    expect(refreshes, `${CYCLES} refresh cycles within the soak limit`).toBeGreaterThanOrEqual(
      CYCLES,
    );

    // The faults really happened, of every kind, on about 30% of the token requests.
    const faults = (await (await request.get(`${EMULATOR}/__emulator/faults`)).json()).data as {
      hits: number;
      times?: number;
    }[];
    expect(faults.filter((f) => f.times).map((f) => f.hits)).toEqual([1, 1, 1]);
    const log = tokenRequests(await control.requests());
    const faulted = log.filter((e) => e.fault).length;
    expect(faulted / log.length).toBeGreaterThan(0.1);

    await control.clearFaults();
    const stopped = Date.now();

    // Within seconds every tab has a token the tenant accepts, and its fetch works.
    for (const [i, tab] of pages.entries()) {
      await expect
        .poll(
          async () => {
            const result = await tokenInTab(tab);
            return result.ok ? acceptedByTenant(request, result.token) : result.code;
          },
          { message: `tab ${i} has a valid token`, timeout: 15_000 },
        )
        .toBe(200);
      await expect
        .poll(() => fetchStatusInTab(tab, '/api/v1/users/me'), { timeout: 5_000 })
        .toBe(200);
    }
    const recovery = Date.now() - stopped;
    console.info(
      `soak: ${refreshes} refreshes, ${log.length} token requests (${faulted} faulted), recovered in ${recovery} ms`,
    );

    // Stop the traffic and look at the whole run.
    const traffic = await Promise.all(
      pages.map((tab) =>
        tab.evaluate(() => {
          const w = window as unknown as {
            soak: { ok: number; failures: string[]; stop: boolean };
          };
          w.soak.stop = true;
          return { ok: w.soak.ok, failures: w.soak.failures };
        }),
      ),
    );
    for (const [i, { ok, failures }] of traffic.entries()) {
      expect(ok, `tab ${i} got tokens during the soak`).toBeGreaterThan(0);
      expect(
        failures.filter((f) => !f.endsWith(':retryable')),
        `tab ${i}: getToken() never failed for good`,
      ).toEqual([]);
    }
    for (const [i, list] of (await Promise.all(pages.map(transitions))).entries()) {
      expect(
        list.filter((t) => t.startsWith('signedOut')),
        `tab ${i}`,
      ).toEqual([]);
      expect(list[list.length - 1], `tab ${i} ends signed in`).toMatch(/^signedIn/);
    }
    const end = await control.stats();
    expect(end.reuseDetections).toBe(0);
    expect((await control.requests()).filter((e) => e.reuseDetected)).toEqual([]);
    // No sign-in happened again: only refreshes reached the token endpoint (a request answered
    // by an injected 503 or dropped was never read, so its grant type is unknown).
    const served = tokenRequests(await control.requests()).filter(
      (e) => !e.fault || e.fault === 'delay',
    );
    expect(served.filter((e) => e.grantType !== 'refresh_token')).toEqual([]);
  });
});
