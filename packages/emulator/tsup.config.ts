import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    entry: { index: 'src/index.ts', msw: 'src/hosts/msw.ts' },
    // The CLI is run by bin/qlik-auth-emulator.js, not imported: ES module only.
    esmOnlyEntry: { cli: 'src/hosts/cli.ts' },
    platform: 'node',
    // The parts of Hono and jose the tenant uses, in its own files: importing the whole of
    // each package module by module took most of a test tenant's start-up (about 70 ms).
    inline: ['hono', 'jose'],
  }),
);
