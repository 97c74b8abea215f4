import { defineProject } from 'vitest/config';

// happy-dom, not jsdom: jsdom swaps Uint8Array and breaks oauth4webapi's PKCE hashing.
export default defineProject({
  test: {
    name: 'core',
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
