#!/usr/bin/env node
// Start-up as users feel it, in real Chromium: from navigation start (a page's time origin) to
// the first token, each library alone in its own page bundle, so that fetching, compiling and
// evaluating the bundle count as well as restoring. The pages are loaded in turn, round after
// round, in one browser (interleaved, so that the machine's load falls on all alike), and each
// figure is the median and 90th percentile of its loads. Prints; asserts nothing.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startEmulator } from '@qlik-auth/emulator';
import { browserBundle } from '../scripts/bundle.mjs';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
/** The emulator's native client, which gets a refresh token (its single-page app gets none). */
const NATIVE = { clientId: 'demo-native', scopes: ['user_default', 'offline_access'] };
const PORT = 4173; // a registered origin of the emulator's default client
const origin = `http://localhost:${PORT}`;

/** The pages: name, bundle entry, and a script run before the bundle (if any). */
const pages = [
  ['@qlik-auth/core: first getToken()', 'core.js'],
  // The same on a native client's session, which also holds a refresh token (demo-spa's has none).
  ['  the same, demo-native', 'core.js', `window.benchClient = ${JSON.stringify(NATIVE)};`],
  ['oidc-client-ts: first getUser()', 'oidc.js'],
  ['IndexedDB alone: open + read key and session', 'indexeddb.js'],
  ['@qlik-auth/core imported, no instance', 'import-only.js'],
  ['blank page (a module script, no library)', 'blank.js'],
  ['IndexedDB alone, 200 ms after the load event', 'indexeddb-after-load.js'],
].map(([name, entry, before = ''], index) => ({ name, entry, before, path: `/page-${index}` }));

const bundles = new Map();
for (const entry of new Set([...pages.map((page) => page.entry), 'sign-in.js'])) {
  bundles.set(`/${entry}`, await browserBundle({ entry: join(here, 'startup', entry) }));
}

const emulator = await startEmulator({ port: 0, config: { autoApprove: true } });
const clientId = 'demo-spa';
const config = {
  host: emulator.url,
  clientId,
  redirectUri: `${origin}/callback`,
  // Where the core keeps the session of this tenant and client: a database of its own.
  floor: { database: `qlik-auth:${emulator.url}:${clientId}`, records: ['key', 'session'] },
};
const html = (entry, before) =>
  `<!doctype html><meta charset="utf-8"><title>start-up</title><script>${before}
window.benchConfig = ${JSON.stringify(config)};
</script><script type="module" src="/${entry}"></script>`;

const server = createServer((req, res) => {
  const path = req.url.split('?')[0];
  const bundle = bundles.get(path);
  if (bundle) {
    // As an app serves its hashed bundles: cached, so a reload compiles from V8's code cache.
    res.writeHead(200, {
      'content-type': 'text/javascript',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    res.end(bundle);
    return;
  }
  const page = pages.find((candidate) => candidate.path === path);
  res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
  res.end(page ? html(page.entry, page.before) : html('sign-in.js', ''));
});
await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const tab = await browser.newPage();
  for (const client of [{}, NATIVE]) {
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => window.signIn);
    await tab.evaluate((c) => window.signIn(c), client);
    await tab.waitForURL((url) => url.searchParams.has('code'));
    await tab.waitForFunction(() => window.signIn);
    const status = await tab.evaluate((c) => window.signIn(c), client);
    if (status !== 'signedIn') throw new Error(`sign-in against the emulator ended as ${status}`);
  }
  // A valid user where oidc-client-ts keeps it (sessionStorage, which survives navigations).
  await tab.evaluate(({ host, clientId }) => {
    const now = Math.floor(Date.now() / 1000);
    sessionStorage.setItem(
      `oidc.user:${host}:${clientId}`,
      JSON.stringify({
        access_token: 'oidc-client-ts-token',
        token_type: 'bearer',
        scope: 'user_default',
        profile: { sub: 'u', iss: host, aud: clientId, exp: now + 3600, iat: now },
        expires_at: now + 3600,
      }),
    );
  }, config);

  // Requests that reach the tenant while the pages load: a restore must make none.
  let tenantRequests = 0;
  tab.on('request', (request) => {
    if (request.url().startsWith(emulator.url)) tenantRequests += 1;
  });

  const load = async (page) => {
    await tab.goto(`${origin}${page.path}`);
    const result = await (
      await tab
        .waitForFunction(() => window.startup, undefined, { timeout: 5000 })
        .catch(() => {
          throw new Error(`${page.name}: no answer in 5 s`);
        })
    ).jsonValue();
    if (result.error) throw new Error(`${page.name}: ${result.error}`);
    return result;
  };
  // Two rounds not counted: the HTTP cache and V8's code cache fill, as on a user's second visit.
  for (let i = 0; i < 2; i += 1) for (const page of pages) await load(page);
  // Each round loads every page once, in an order of its own (a fixed order would give each page
  // the same predecessor every time), so that a busy moment of the machine falls on all alike.
  let seed = 19;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const results = new Map(pages.map((page) => [page, []]));
  for (let i = 0; i < ROUNDS; i += 1) {
    const order = pages.map((page) => [random(), page]).sort(([a], [b]) => a - b);
    for (const [, page] of order) results.get(page).push(await load(page));
  }

  const quantile = (values, q) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = q * (sorted.length - 1);
    const low = Math.floor(at);
    return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
  };
  const ms = (value, width = 9) => value.toFixed(2).padStart(width);
  const done = (page) => results.get(page).map((run) => run.done);
  console.log(
    `\nStart-up from navigation start in Chromium ${browser.version()}: ${ROUNDS} loads of each ` +
      `page, interleaved, bundles from the HTTP cache (ms)\n`,
  );
  console.log(
    `${'page'.padEnd(48)}${'evaluated'.padStart(10)}${'answer'.padStart(9)}${'answer'.padStart(9)}` +
      `${'bundle'.padStart(9)}  first answer`,
  );
  console.log(
    `${''.padEnd(48)}${'median'.padStart(10)}${'median'.padStart(9)}${'p90'.padStart(9)}`,
  );
  // All but the last page, whose figure from navigation includes its wait (it is shown below).
  for (const page of pages.slice(0, -1)) {
    const evaluated = results.get(page).map((run) => run.evaluated);
    console.log(
      `${page.name.padEnd(48)}${ms(quantile(evaluated, 0.5), 10)}${ms(quantile(done(page), 0.5))}` +
        `${ms(quantile(done(page), 0.9))}${`${(bundles.get(`/${page.entry}`).length / 1024).toFixed(1)}K`.padStart(9)}` +
        `  ${results.get(page).at(-1).sample}`,
    );
  }
  /** `a` minus `b`: the difference of the medians, and the median of the differences in a round. */
  const versus = (label, a, b) => {
    const paired = done(a).map((value, round) => value - done(b)[round]);
    console.log(
      `${label.padEnd(48)}${ms(quantile(done(a), 0.5) - quantile(done(b), 0.5))}` +
        `${ms(quantile(paired, 0.5))}`,
    );
  };
  const [core, , oidc, floor, imported, blank, late] = pages;
  console.log(`\n${'difference'.padEnd(48)}${'medians'.padStart(9)}${'paired'.padStart(9)}`);
  versus('@qlik-auth/core - oidc-client-ts', core, oidc);
  versus('@qlik-auth/core - IndexedDB alone', core, floor);
  versus('imported, no instance - blank page', imported, blank);
  const fromOpen = (page) =>
    quantile(
      results.get(page).map((run) => run.done - run.since),
      0.5,
    );
  console.log(
    `\nIndexedDB open + read of key and session, timed from the open (medians): while the page ` +
      `loads ${ms(fromOpen(floor), 0)} ms, 200 ms after its load event ${ms(fromOpen(late), 0)} ms`,
  );
  console.log(
    `\nrequests to the tenant during the ${ROUNDS * pages.length} loads: ${tenantRequests}\n`,
  );
} finally {
  await browser.close();
  server.close();
  await emulator.close();
}
