import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineProject } from 'vitest/config';
import { coreQlikEmbedSource, coreSource, testingSource } from './vitest.config.js';

// React 18.3 and its react-dom, installed together by the react18-env fixture package
// (test/react18), so that react-dom 18 gets React 18 as its peer, not the React 19 beside it.
const fromFixture = createRequire(
  createRequire(import.meta.url).resolve('react18-env/package.json'),
);
const react18 = dirname(fromFixture.resolve('react/package.json'));
const reactDom18 = dirname(fromFixture.resolve('react-dom/package.json'));
// Testing Library's ES module build (its `main` is CommonJS, whose `require`s no alias reaches).
const testingLibrary = join(
  dirname(createRequire(import.meta.url).resolve('@testing-library/react/package.json')),
  'dist/@testing-library/react.esm.js',
);

/** The same component tests as vitest.config.ts, on React 18. */
export default defineProject({
  resolve: {
    alias: [
      { find: /^@qlik-auth\/core\/qlik-embed$/, replacement: coreQlikEmbedSource },
      { find: /^@qlik-auth\/core$/, replacement: coreSource },
      { find: '@qlik-auth/testing', replacement: testingSource },
      { find: /^@testing-library\/react$/, replacement: testingLibrary },
      { find: /^react(?=$|\/)/, replacement: react18 },
      { find: /^react-dom(?=$|\/)/, replacement: reactDom18 },
    ],
  },
  test: {
    name: 'react18',
    environment: 'happy-dom',
    include: ['src/__tests__/**/*.test.{ts,tsx}'],
    env: { REACT_MAJOR: '18' },
    server: {
      deps: {
        // Transformed by Vite rather than loaded by Node, so its `react` imports meet the alias.
        inline: [/@testing-library[/+]react/],
        // The emulator's build as Node loads it: through a workspace link vite takes it for
        // source and transforms it again in every test file.
        external: [/\/packages\/emulator\/dist\//],
      },
    },
  },
});
