import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Each package keeps its own vitest config (environment, setup files); this runs them all.
// React's component tests run twice: on React 19 and, through their own config, on React 18;
// the test kit's run under happy-dom and jsdom.
export default defineConfig({
  test: {
    // Every core: vitest's default leaves one idle (a 2-core CI machine then runs one file at a
    // time), and the tests spend most of their time waiting on each other's I/O, not computing.
    maxWorkers: availableParallelism(),
    projects: [
      'packages/*/vitest.config.ts',
      'packages/react/vitest.react18.config.ts',
      'packages/testing/vitest.jsdom.config.ts',
      'examples/*/vitest.config.ts',
    ],
  },
});
