// The one place that says which Chromium the project drives and how: Playwright's config, the
// test command and the latency bench all use it.
import { existsSync } from 'node:fs';

/** Headless flags for a machine whose only network is loopback (no background connections). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium (`CHROMIUM_PATH` overrides) when it is there, else undefined. */
export function chromiumPath() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

/** Playwright launch options: that Chromium, or Playwright's own browser where it is missing. */
export function chromiumLaunchOptions() {
  const executablePath = chromiumPath();
  return { ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS };
}
