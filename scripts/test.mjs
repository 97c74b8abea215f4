#!/usr/bin/env node
// `npm test`: install what is missing (pnpm, dependencies, Chromium), build, then lint,
// typecheck, unit and end-to-end tests. Every step runs; the exit code says if any failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumPath } from './chromium.mjs';
import { buildPackages, ensurePnpm, installDependencies, log, root, run } from './lib.mjs';

const reports = join(root, '.test-reports');

/** Debian's Chromium when the machine can have it, else Playwright's own browser. */
async function ensureChromium(pnpm) {
  if (chromiumPath()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (existsSync('/etc/debian_version') && isRoot) {
    log('installing Debian chromium');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const result = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status === 0 && chromiumPath()) return;
  }
  log('installing Playwright chromium');
  const code = await run(pnpm, ['exec', 'playwright', 'install', 'chromium']);
  if (code !== 0) throw new Error('no Chromium: set CHROMIUM_PATH to a Chromium binary');
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const results = [];
async function step(name, command, args, env) {
  log(name);
  const started = Date.now();
  const code = await run(command, args, env ? { env: { ...process.env, ...env } } : {});
  results.push({ name, ok: code === 0, seconds: Math.round((Date.now() - started) / 100) / 10 });
}

try {
  const pnpm = ensurePnpm();
  await installDependencies(pnpm);
  await ensureChromium(pnpm);
  await buildPackages(pnpm);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });

  await step('lint (eslint + prettier)', pnpm, ['run', 'lint']);
  await step('typecheck', pnpm, ['run', 'typecheck']);
  await step('size budgets', pnpm, ['run', '--if-present', 'size']);
  await step('unit tests (vitest)', pnpm, [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${join(reports, 'vitest.json')}`,
  ]);
  await step(
    'end-to-end tests (playwright, chromium)',
    pnpm,
    ['exec', 'playwright', 'test', '--reporter=list,json'],
    {
      PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright.json'),
    },
  );

  const unit = readJson(join(reports, 'vitest.json'));
  const e2e = readJson(join(reports, 'playwright.json'));
  const passed =
    (unit?.numPassedTests ?? 0) + (e2e?.stats?.expected ?? 0) + (e2e?.stats?.flaky ?? 0);
  const failed = (unit?.numFailedTests ?? 0) + (e2e?.stats?.unexpected ?? 0);
  const skipped =
    (unit?.numPendingTests ?? 0) + (unit?.numTodoTests ?? 0) + (e2e?.stats?.skipped ?? 0);

  console.log('\nSummary');
  for (const result of results) {
    console.log(`  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name} (${result.seconds} s)`);
  }
  console.log(`  unit: ${unit?.numPassedTests ?? 0} passed, ${unit?.numFailedTests ?? 0} failed`);
  console.log(
    `  e2e:  ${e2e?.stats?.expected ?? 0} passed, ${e2e?.stats?.unexpected ?? 0} failed, ${e2e?.stats?.flaky ?? 0} flaky`,
  );
  console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  const ok = results.every((result) => result.ok) && passed > 0 && failed === 0;
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`npm test: ${error.message}`);
  process.exit(1);
}
