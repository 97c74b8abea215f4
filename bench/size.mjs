#!/usr/bin/env node
// Bundle size of what an app ships for browser OAuth, side by side, in one run: each entry is
// bundled with esbuild (minified, browser, ESM, dependencies included) and gzipped at level 9.
import { brotliCompressSync } from 'node:zlib';
import { browserBundle, gzipSize } from '../scripts/bundle.mjs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const entries = [
  {
    name: '@qlik-auth/core (whole public API)',
    code: "export * from '@qlik-auth/core';",
  },
  {
    name: '@qlik-auth/core (createQlikAuth only)',
    code: "export { createQlikAuth } from '@qlik-auth/core';",
  },
  {
    // A single-page app on Qlik Cloud (no refresh token) with a "Stay signed in" prompt:
    // reauthorizeWithPopup and sessionEnding.
    name: '@qlik-auth/core (+ Stay signed in prompt)',
    code: "export { createQlikAuth, QlikAuthError, reauthorizeWithPopup, sessionEnding } from '@qlik-auth/core';",
  },
  {
    name: '@qlik-auth/core (+ iframeRenewal)',
    code: "export { createQlikAuth, QlikAuthError, iframeRenewal } from '@qlik-auth/core';",
  },
  {
    // What an app on qlik-embed adds: the host config and its auth module (the instance comes
    // from the main entry, which the app has anyway).
    name: '@qlik-auth/core/qlik-embed',
    code: "export * from '@qlik-auth/core/qlik-embed';",
  },
  {
    name: 'oidc-client-ts (UserManager)',
    code: "export { UserManager } from 'oidc-client-ts';",
  },
  {
    name: '@auth0/auth0-spa-js (createAuth0Client)',
    code: "export { createAuth0Client } from '@auth0/auth0-spa-js';",
  },
  {
    name: '@qlik/api/auth (official Qlik client)',
    code: "export * from '@qlik/api/auth';",
  },
];

async function measure(code) {
  const bytes = await browserBundle({ code, resolveDir: here });
  return { min: bytes.length, gzip: gzipSize(bytes), brotli: brotliCompressSync(bytes).length };
}

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const rows = [];
for (const entry of entries) {
  try {
    rows.push({ name: entry.name, ...(await measure(entry.code)) });
  } catch (error) {
    rows.push({ name: entry.name, error: error.message.split('\n')[0] });
  }
}
console.log('\nBundle size (esbuild minified, dependencies included)\n');
console.log(
  `${'library'.padEnd(44)}${'min'.padStart(12)}${'gzip -9'.padStart(12)}${'brotli'.padStart(12)}`,
);
for (const row of rows) {
  if (row.error) console.log(`${row.name.padEnd(44)}  could not bundle: ${row.error}`);
  else
    console.log(
      `${row.name.padEnd(44)}${kib(row.min).padStart(12)}${kib(row.gzip).padStart(12)}${kib(row.brotli).padStart(12)}`,
    );
}
console.log('');
