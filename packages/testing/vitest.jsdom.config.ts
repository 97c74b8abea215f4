import { defineProject } from 'vitest/config';

// jsdom swaps Uint8Array and ArrayBuffer for its own: what the kit repairs is tested here.
export default defineProject({
  test: { name: 'testing-jsdom', environment: 'jsdom', include: ['test/**/*.test.ts'] },
});
