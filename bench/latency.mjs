#!/usr/bin/env node
// Latency of a cached token lookup in real Chromium, side by side: a plain in-memory getter,
// @qlik-auth/core's getToken() on a real session signed in against the emulator, and the peers'
// equivalents on a seeded cache. Prints microseconds per call; asserts nothing. Start-up (the
// first token after a page load) is measured from navigation start by startup.mjs.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startEmulator } from '@qlik-auth/emulator';
import { browserBundle } from '../scripts/bundle.mjs';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const PORT = 4173; // a registered origin of the emulator's default client

const script = new TextDecoder().decode(
  await browserBundle({ entry: join(here, 'latency-page.js') }),
);

const emulator = await startEmulator({ port: 0, config: { autoApprove: true } });
const origin = `http://localhost:${PORT}`;
const page = `<!doctype html><meta charset="utf-8"><title>bench</title><script>
window.benchConfig = ${JSON.stringify({ host: emulator.url, clientId: 'demo-spa', redirectUri: `${origin}/callback` })};
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
  // A session of each client type: a single-page app's (no refresh token) and a native one's.
  for (const clientId of ['demo-spa', 'demo-native']) {
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => window.bench);
    await tab.evaluate((id) => window.bench.signIn(id), clientId);
    await tab.waitForURL((url) => url.searchParams.has('code'));
    await tab.waitForFunction(() => window.bench);
    const status = await tab.evaluate((id) => window.bench.signIn(id), clientId);
    if (status !== 'signedIn') throw new Error(`${clientId}'s sign-in ended as ${status}`);
  }

  const rows = [];
  const run = async (name, fn, arg, clientId) => {
    try {
      const result = await tab.evaluate(
        ([f, n, id]) => window.bench[f](n, id),
        [fn, arg, clientId],
      );
      rows.push({ name, ...result });
    } catch (error) {
      rows.push({ name, error: error.message.split('\n')[0] });
    }
  };
  await run('plain in-memory async getter (floor)', 'baseline', ITERATIONS);
  await run('@qlik-auth/core getToken(), demo-spa (cached)', 'qlikAuthHot', ITERATIONS, 'demo-spa');
  await run(
    '@qlik-auth/core getToken(), demo-native (cached)',
    'qlikAuthHot',
    ITERATIONS,
    'demo-native',
  );
  await run('oidc-client-ts getUser() (sessionStorage)', 'oidcClientTs', ITERATIONS);
  await run('auth0-spa-js getTokenSilently() (cache)', 'auth0', ITERATIONS);

  const version = browser.version();
  console.log(`\nCached token lookup in Chromium ${version}, ${ITERATIONS} awaited calls each\n`);
  console.log(`${'call'.padEnd(50)}${'µs/call'.padStart(12)}  sample`);
  for (const row of rows) {
    if (row.error) console.log(`${row.name.padEnd(50)}${'n/a'.padStart(12)}  ${row.error}`);
    else console.log(`${row.name.padEnd(50)}${row.micros.toFixed(2).padStart(12)}  ${row.sample}…`);
  }
  console.log('');
} finally {
  await browser.close();
  server.close();
  await emulator.close();
}
