import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    entry: { index: 'src/index.ts', msw: 'src/msw.ts' },
    // The CLI is run by bin/qlik-auth-emulator.js, not imported: ES module only.
    esmOnlyEntry: { cli: 'src/cli.ts' },
    platform: 'node',
  }),
);
