import { defineConfig } from 'vitest/config';

// Each package keeps its own vitest config (environment, setup files); this runs them all.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
  },
});
