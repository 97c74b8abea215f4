#!/usr/bin/env node
// CI budget that size-limit cannot express: what @qlik-auth/react adds on top of the core in an
// app bundle (esbuild, minified, gzip), react itself external. Fails above 1.5 KiB.
import { join } from 'node:path';
import { browserBundle, gzipSize } from './bundle.mjs';
import { root } from './lib.mjs';

const REACT_BUDGET = 1.5 * 1024;
const external = ['react', 'react-dom', 'react/jsx-runtime'];
const gzipped = async (file) =>
  gzipSize(await browserBundle({ entry: join(root, file), external }));

const core = await gzipped('packages/core/dist/index.js');
const both = await gzipped('packages/react/dist/index.js');
const added = both - core;
console.log(`@qlik-auth/core alone:          ${core} B min+gzip`);
console.log(`@qlik-auth/react + core:        ${both} B min+gzip`);
console.log(`@qlik-auth/react adds:          ${added} B (budget ${REACT_BUDGET} B)`);

if (added > REACT_BUDGET) {
  console.error(
    `@qlik-auth/react adds ${added} B on top of the core: over its ${REACT_BUDGET} B budget`,
  );
  process.exit(1);
}

// The sign-in and re-authorizations an app may not use (a popup, a hidden frame) and the UI
// stores (a countdown, a token store) are separate exports: adding one to the typical import must add
// its code, which it cannot if the typical app carried it already.
const typical = "export { createQlikAuth, QlikAuthError } from '@qlik-auth/core';";
const bundleOf = async (code) =>
  gzipSize(await browserBundle({ code, resolveDir: join(root, 'packages/react') }));
const base = await bundleOf(typical);
for (const name of [
  'signInWithPopup',
  'reauthorizeWithPopup',
  'iframeRenewal',
  'sessionEnding',
  'tokenStore',
]) {
  const added =
    (await bundleOf(`export { createQlikAuth, QlikAuthError, ${name} } from '@qlik-auth/core';`)) -
    base;
  if (added < 100) {
    console.error(
      `an app importing only createQlikAuth bundles ${name} (it adds ${added} B): it must tree-shake`,
    );
    process.exit(1);
  }
  console.log(`${name} adds ${added} B to the typical app, which carries none of it`);
}
