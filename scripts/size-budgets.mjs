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

// signInWithPopup is a separate export: an app that never imports it must not bundle it.
const withoutPopup = new TextDecoder().decode(
  await browserBundle({
    code: "export { createQlikAuth, QlikAuthError } from '@qlik-auth/core';",
    resolveDir: join(root, 'packages/react'),
  }),
);
// The re-authorizations an app may not use (a popup, a hidden frame) and the UI stores (a
// countdown, a token store) are separate exports too, each named here by a string of its own.
const optional = {
  'signInWithPopup and reauthorizeWithPopup': 'popup_blocked',
  iframeRenewal: 'session renewal',
  sessionEnding: 'secondsLeft',
  tokenStore: 'watch(',
};
for (const [name, marker] of Object.entries(optional)) {
  if (withoutPopup.includes(marker)) {
    console.error(`an app importing only createQlikAuth bundles ${name}: it must tree-shake`);
    process.exit(1);
  }
}
console.log(`createQlikAuth alone bundles none of: ${Object.keys(optional).join(', ')}`);
