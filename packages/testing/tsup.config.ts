import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    // `@qlik-auth/testing/environment` prepares the test environment on import (Jest setupFiles).
    entry: { index: 'src/index.ts', environment: 'src/environment-entry.ts' },
    // Runs in Node only: in Vitest, Jest or a script. The core and the emulator stay external.
    platform: 'node',
  }),
);
