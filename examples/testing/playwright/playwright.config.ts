import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  // One emulator for the whole run, on a port the system picks (see global-setup.ts).
  globalSetup: './global-setup.ts',
  use: {
    // A browser of your own, if Playwright's download is not an option.
    ...(process.env.CHROMIUM_PATH
      ? { launchOptions: { executablePath: process.env.CHROMIUM_PATH, args: ['--headless'] } }
      : {}),
  },
});
