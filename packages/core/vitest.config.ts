import { defineProject } from 'vitest/config';

// happy-dom, not jsdom: jsdom swaps Uint8Array and breaks oauth4webapi's PKCE hashing.
export default defineProject({
  test: {
    name: 'core',
    environment: 'happy-dom',
    // The emulator's build as Node loads it: through a workspace link vite takes it for source
    // and transforms it again in every test file.
    server: { deps: { external: [/\/packages\/emulator\/dist\//] } },
    include: ['test/**/*.test.ts'],
  },
});
