import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/**
 * Tests run against the core's source, so they always see the core as it is, built or not.
 * (The package itself imports `@qlik-auth/core` as any app would.)
 */
export const coreSource = fileURLToPath(new URL('../core/src/index.ts', import.meta.url));
/** The test kit's source, for the same reason; it brings the emulator's tenant. */
export const testingSource = fileURLToPath(new URL('../testing/src/index.ts', import.meta.url));
/** The core's qlik-embed entry, from source too. */
export const coreQlikEmbedSource = fileURLToPath(
  new URL('../core/src/qlik-embed.ts', import.meta.url),
);

// React 19 (the devDependency). vitest.react18.config.ts runs the same tests on React 18.
export default defineProject({
  resolve: {
    alias: [
      // The subpath first: the core's alias would otherwise take it for a path under index.ts.
      { find: /^@qlik-auth\/core\/qlik-embed$/, replacement: coreQlikEmbedSource },
      { find: /^@qlik-auth\/core$/, replacement: coreSource },
      { find: /^@qlik-auth\/testing$/, replacement: testingSource },
    ],
  },
  test: {
    name: 'react',
    environment: 'happy-dom',
    // The emulator's build as Node loads it: through a workspace link vite takes it for source
    // and transforms it again in every test file.
    server: { deps: { external: [/\/packages\/emulator\/dist\//] } },
    include: ['src/__tests__/**/*.test.{ts,tsx}'],
    env: { REACT_MAJOR: '19' },
    typecheck: {
      enabled: true,
      include: ['src/__tests__/**/*.test-d.tsx'],
      tsconfig: './tsconfig.json',
    },
  },
});
