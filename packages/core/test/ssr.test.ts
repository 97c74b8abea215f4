// @vitest-environment node
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, expect, it } from 'vitest';

const BROWSER_GLOBALS = [
  'window',
  'self',
  'document',
  'location',
  'history',
  'navigator',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'BroadcastChannel',
  'IDBKeyRange',
];

const outDir = await mkdtemp(join(tmpdir(), 'qlik-auth-ssr-'));
afterAll(() => rm(outDir, { recursive: true, force: true }));

it('imports on Node without touching a browser global', async () => {
  // The package as an SSR bundler ships it: built by tsup, with its dependencies inlined.
  await build({
    entry: { index: join(import.meta.dirname, '../src/index.ts') },
    outDir,
    format: ['esm'],
    noExternal: [/.*/],
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
  });

  const touched: string[] = [];
  const saved = BROWSER_GLOBALS.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  );
  for (const name of BROWSER_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => void touched.push(name),
    });
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(join(outDir, 'index.js')).href);
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
  // oauth4webapi asks `typeof navigator === 'undefined'` to pick its User-Agent: a guarded
  // feature test that reads nothing from a browser and is safe on a server.
  expect(touched.filter((name) => name !== 'navigator')).toEqual([]);
  expect(Object.keys(module).sort()).toEqual([
    'QlikAuthError',
    'QlikAuthErrorCode',
    'createQlikAuth',
    'iframeRenewal',
    'reauthorizeWithPopup',
    'sessionEnding',
    'signInWithPopup',
    'tokenStore',
  ]);
});
