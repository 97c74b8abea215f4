import { defineProject } from 'vitest/config';

// The same tests run under jsdom too (vitest.jsdom.config.ts): the kit must work in both.
export default defineProject({
  test: { name: 'testing', environment: 'happy-dom', include: ['test/**/*.test.ts'] },
});
