import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './scripts/chromium.mjs';

const EMULATOR_PORT = 8787;
const emulatorUrl = `http://localhost:${EMULATOR_PORT}`;

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  // e2e/static runs with playwright.static.config.ts (no fixed-port servers).
  testIgnore: 'static/**',
  // The specs share one emulator and change its settings through the control API: run serially.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? 'list' : [['list']],
  use: {
    baseURL: emulatorUrl,
    trace: 'retain-on-failure',
    // Debian's Chromium (never a `channel`); Playwright's own browser only where it is missing.
    launchOptions: chromiumLaunchOptions(),
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: [
    {
      command: `node packages/emulator/bin/qlik-auth-emulator.js --port ${EMULATOR_PORT}`,
      url: `${emulatorUrl}/.well-known/oauth-authorization-server`,
      reuseExistingServer: !process.env.CI,
      stdout: 'pipe',
      timeout: 30_000,
    },
    {
      // The plain-HTML mashup on @qlik-auth/core (built by `npm test` before this runs).
      command: 'pnpm --dir apps/mashup exec vite --port 5174 --strictPort',
      url: 'http://localhost:5174/',
      reuseExistingServer: !process.env.CI,
      stdout: 'pipe',
      timeout: 60_000,
    },
    {
      // The React demo on @qlik-auth/react (built by `npm test` before this runs).
      command: 'pnpm --dir apps/demo exec vite --port 5173 --strictPort',
      url: 'http://localhost:5173/',
      reuseExistingServer: !process.env.CI,
      stdout: 'pipe',
      timeout: 60_000,
    },
  ],
});
