#!/usr/bin/env node
// Latency of a cached token lookup in real Chromium, side by side: a plain in-memory getter,
// @qlik-auth/core's getToken() on a real session signed in against the emulator, and the peers'
// equivalents on a seeded cache. Prints microseconds per call; asserts nothing.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startEmulator } from '@qlik-auth/emulator';
import { browserBundle } from '../scripts/bundle.mjs';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 40);
const PORT = 4173; // a registered origin of the emulator's default client

const script = new TextDecoder().decode(
  await browserBundle({ entry: join(here, 'latency-page.js') }),
);

const emulator = await startEmulator({ port: 0, config: { autoApprove: true } });
const origin = `http://localhost:${PORT}`;
const page = `<!doctype html><meta charset="utf-8"><title>bench</title><script>
window.benchConfig = ${JSON.stringify({ host: emulator.url, clientId: 'demo-spa', redirectUri: `${origin}/` })};
</script><script type="module" src="/bench.js"></script>`;
const server = createServer((req, res) => {
  if (req.url === '/bench.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(script);
  } else {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
  }
});
await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const tab = await browser.newPage();
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => window.bench);
  await tab.evaluate(() => window.bench.signIn());
  await tab.waitForURL((url) => url.searchParams.has('code'));
  await tab.waitForFunction(() => window.bench);
  const status = await tab.evaluate(() => window.bench.signIn());
  if (status !== 'signedIn') throw new Error(`sign-in against the emulator ended as ${status}`);

  const rows = [];
  const run = async (name, fn, arg) => {
    try {
      const result = await tab.evaluate(([f, n]) => window.bench[f](n), [fn, arg]);
      rows.push({ name, ...result });
    } catch (error) {
      rows.push({ name, error: error.message.split('\n')[0] });
    }
  };
  await run('plain in-memory async getter (floor)', 'baseline', ITERATIONS);
  await run('@qlik-auth/core getToken() (cached)', 'qlikAuthHot', ITERATIONS);
  await run('oidc-client-ts getUser() (sessionStorage)', 'oidcClientTs', ITERATIONS);
  await run('auth0-spa-js getTokenSilently() (cache)', 'auth0', ITERATIONS);

  // Start-up: the first call of a new instance on a freshly reloaded page, each library in turn
  // (interleaved, so that the machine's load falls on both alike), timed from its constructor.
  const cold = { qlikAuthCold: [], oidcClientTsCold: [], indexedDbFloor: [] };
  const samples = {};
  await tab.evaluate(() => window.bench.oidcSeed());
  for (let i = 0; i < RELOADS; i += 1) {
    for (const fn of Object.keys(cold)) {
      await tab.reload();
      await tab.waitForFunction(() => window.bench);
      const result = await tab.evaluate((f) => window.bench[f](), fn);
      cold[fn].push(result.micros / 1000);
      samples[fn] = result.sample;
    }
  }

  const version = browser.version();
  console.log(`\nCached token lookup in Chromium ${version}, ${ITERATIONS} awaited calls each\n`);
  console.log(`${'call'.padEnd(50)}${'µs/call'.padStart(12)}  sample`);
  for (const row of rows) {
    if (row.error) console.log(`${row.name.padEnd(50)}${'n/a'.padStart(12)}  ${row.error}`);
    else console.log(`${row.name.padEnd(50)}${row.micros.toFixed(2).padStart(12)}  ${row.sample}…`);
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const quantile = (values, q) =>
    [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
  console.log(`\nStart-up: first call after a reload, ${RELOADS} reloads each (ms)\n`);
  console.log(
    `${'call'.padEnd(50)}${'median'.padStart(8)}${'p10'.padStart(8)}${'p90'.padStart(8)}  sample`,
  );
  for (const [name, fn] of [
    ['@qlik-auth/core first getToken() (IndexedDB)', 'qlikAuthCold'],
    ['oidc-client-ts first getUser() (sessionStorage)', 'oidcClientTsCold'],
    ['IndexedDB open + one read of 2 records (floor)', 'indexedDbFloor'],
  ]) {
    const values = cold[fn];
    console.log(
      `${name.padEnd(50)}${median(values).toFixed(2).padStart(8)}${quantile(values, 0.1).toFixed(2).padStart(8)}${quantile(values, 0.9).toFixed(2).padStart(8)}  ${samples[fn]}…`,
    );
  }
  console.log('');
} finally {
  await browser.close();
  server.close();
  await emulator.close();
}
