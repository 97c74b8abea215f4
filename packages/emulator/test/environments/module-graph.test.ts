import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

describe("the main entry's module graph", () => {
  it('imports no node: module and no ws statically (startEmulator loads the server on demand)', async () => {
    const { metafile } = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'neutral',
      format: 'esm',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      // Left out of the bundle so they show up as imports in the metafile.
      external: ['node:*', 'ws', '@hono/node-server', 'esbuild'],
    });
    // Walk the static imports only, from the entry.
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const edge of metafile.inputs[path]?.imports ?? []) {
        if (edge.kind === 'dynamic-import') continue;
        if (edge.external) external.add(edge.path);
        else visit(edge.path);
      }
    };
    const root = Object.keys(metafile.inputs).find((path) => path.endsWith('src/index.ts'))!;
    visit(root);
    expect([...seen].some((path) => path.endsWith('src/create-tenant.ts'))).toBe(true);
    expect([...external]).toEqual([]);
  });
});
