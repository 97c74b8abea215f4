import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    // `qlik-embed`: the hook for qlik-embed's host config, kept out of the main entry (as the
    // core keeps `@qlik-auth/core/qlik-embed` out of its own).
    entry: { index: 'src/index.ts', 'qlik-embed': 'src/qlik-embed.ts' },
    // Peers and the core are the app's own copies, never bundled here (tsup leaves dependencies
    // and peers external; the JSX runtime is a subpath of a peer, named here).
    external: ['react/jsx-runtime'],
    // Every module is a client module for React Server Components (Next.js App Router): the
    // provider and hooks use context and effects.
    banner: "'use client';",
  }),
);
