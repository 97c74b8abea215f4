// How the size budgets and the benchmarks bundle code for the browser, so their figures agree:
// esbuild, minified ESM, dependencies included unless named external.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

/**
 * Bundles `code` (an inline module, resolved from `resolveDir`) or the file `entry`.
 * @returns the minified bundle's bytes
 */
export async function browserBundle({ code, entry, resolveDir, external = [] }) {
  const result = await build({
    ...(entry ? { entryPoints: [entry] } : { stdin: { contents: code, resolveDir, loader: 'js' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].contents;
}

/** gzip -9 size in bytes. */
export const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;
