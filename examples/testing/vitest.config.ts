import { defineProject } from 'vitest/config';

// The guide's Vitest examples (docs/testing.md), under happy-dom; one file opts into jsdom.
export default defineProject({
  test: {
    name: 'examples',
    environment: 'happy-dom',
    include: ['vitest/**/*.test.{ts,tsx}', 'msw/**/*.test.ts'],
  },
});
