// How the size budgets and the benchmarks bundle code for the browser, so their figures agree:
// esbuild, minified ESM, dependencies included unless named external.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

/**
 * Builds `code` (an inline module in `loader`'s language, resolved from `resolveDir`) or the file
 * `entry`; with `metafile`, the result says what each input contributes.
 * @returns esbuild's result (the bundle is `outputFiles[0].contents`)
 */
export function browserBuild({
  code,
  entry,
  resolveDir,
  external = [],
  loader = 'js',
  metafile = false,
}) {
  return build({
    ...(entry ? { entryPoints: [entry] } : { stdin: { contents: code, resolveDir, loader } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external,
    metafile,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}

/**
 * Bundles `code` or the file `entry` as {@link browserBuild} does.
 * @returns the minified bundle's bytes
 */
export async function browserBundle(options) {
  return (await browserBuild(options)).outputFiles[0].contents;
}

/** gzip -9 size in bytes. */
export const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;
