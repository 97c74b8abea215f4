#!/usr/bin/env node
// CI budget that size-limit cannot express: what @qlik-auth/react adds on top of the core in an
// app bundle (esbuild, minified, gzip), react itself external. Fails above 1.5 KiB.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { root } from './lib.mjs';

const REACT_BUDGET = 1.5 * 1024;

async function gzipped(contents) {
  const result = await build({
    stdin: { contents, resolveDir: join(root, 'bench'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

const core = await gzipped(
  `export * from ${JSON.stringify(join(root, 'packages/core/dist/index.js'))};`,
);
const both = await gzipped(
  `export * from ${JSON.stringify(join(root, 'packages/react/dist/index.js'))};`,
);
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
