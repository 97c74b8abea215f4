import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    entry: { index: 'src/index.ts' },
    // Peers and the core are the app's own copies, never bundled here (tsup leaves dependencies
    // and peers external; the JSX runtime is a subpath of a peer, named here).
    external: ['react/jsx-runtime'],
    // Every module is a client module for React Server Components (Next.js App Router): the
    // provider and hooks use context and effects.
    banner: "'use client';",
  }),
);
