import { test as base, type Page } from '@playwright/test';
import { emulatorControl } from './emulator.js';
import { attachDiagnostics, type Control } from './harness.js';

/**
 * The test of the specs that drive the harness in tabs. `control`: the emulator's control API,
 * the emulator reset before the test (the specs share one). `tabs`: the pages a test puts there
 * have their state attached, with the emulator's log and counters, when the test fails.
 */
export const test = base.extend<{ control: Control; tabs: Page[] }>({
  control: [
    async ({ request }, use) => {
      const control = emulatorControl(request);
      await control.reset();
      await use(control);
    },
    { auto: true },
  ],
  // After `page`, so that it is still open for the diagnostics.
  tabs: async ({ control, page: _page }, use, testInfo) => {
    const tabs: Page[] = [];
    await use(tabs);
    await attachDiagnostics(testInfo, tabs, control);
  },
});

export { expect } from '@playwright/test';
