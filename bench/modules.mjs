#!/usr/bin/env node
// What each module of @qlik-auth/core costs in an app bundle: esbuild bundles the core's source
// for what a typical app imports (minified, browser, ESM, dependencies included) and its metafile
// says how many bytes of the output each input file contributes. gzip works on the whole bundle,
// so a module's gzip share is an estimate: the bundle's gzip size split in proportion to bytes.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserBuild, gzipSize } from '../scripts/bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'packages/core/src/index.ts');

/** The entries measured: what a typical app imports, and that plus the popup sign-in. */
const entries = [
  ['typical app: createQlikAuth, QlikAuthError', 'createQlikAuth, QlikAuthError'],
  ['+ signInWithPopup', 'createQlikAuth, QlikAuthError, signInWithPopup'],
  ['whole main entry (export *)', '*'],
];

async function bundle(names) {
  const contents =
    names === '*'
      ? `export * from ${JSON.stringify(source)};`
      : `export { ${names} } from ${JSON.stringify(source)};`;
  const result = await browserBuild({
    code: contents,
    resolveDir: join(root, 'packages/core'),
    loader: 'ts',
    metafile: true,
  });
  const bytes = result.outputFiles[0].contents;
  const [output] = Object.values(result.metafile.outputs);
  return { bytes, inputs: output.inputs };
}

/** `packages/core/src/client.ts` as `client.ts`, a dependency as `oauth4webapi/...`. */
const label = (file) =>
  file.includes('node_modules/')
    ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : relative(join(root, 'packages/core/src'), join(root, file)).replace(/^(\.\.\/)+/, '');

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;

for (const [name, names] of entries) {
  const { bytes, inputs } = await bundle(names);
  const gzip = gzipSize(bytes);
  console.log(
    `\n@qlik-auth/core, ${name}: ${bytes.length} B min, ${gzip} B min+gzip (${kib(gzip)})\n`,
  );
  if (names !== entries[0][1]) continue;
  console.log(
    `${'module'.padEnd(40)}${'min B'.padStart(8)}${'share'.padStart(8)}${'~gzip B'.padStart(9)}`,
  );
  const rows = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => [label(file), bytesInOutput])
    .filter(([, size]) => size > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, size]) => sum + size, 0);
  for (const [file, size] of rows) {
    const share = size / total;
    console.log(
      `${file.padEnd(40)}${String(size).padStart(8)}${`${(share * 100).toFixed(1)}%`.padStart(8)}${String(Math.round(share * gzip)).padStart(9)}`,
    );
  }
}
console.log('');
