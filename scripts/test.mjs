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
/** Runs one step; `counts: false` for test runners, whose tests are counted one by one. */
async function step(name, command, args, env, { counts = true } = {}) {
  log(name);
  const started = Date.now();
  const code = await run(command, args, env ? { env: { ...process.env, ...env } } : {});
  results.push({
    name,
    ok: code === 0,
    counts,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  });
}
const packages = (subcommand) => [join('scripts', 'packages.mjs'), subcommand];

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
  await step(
    'unit tests (vitest)',
    pnpm,
    [
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(reports, 'vitest.json')}`,
    ],
    undefined,
    { counts: false },
  );
  // The packages as users get them (scripts/packages.mjs): packed, linted, installed outside
  // the workspace and loaded from ESM, CommonJS, Jest and Next.js.
  await step('packed packages: pack', process.execPath, packages('pack'));
  await step('packed packages: publint + attw', process.execPath, packages('lint'));
  await step(
    'packed packages: ESM, CommonJS and Jest projects',
    process.execPath,
    packages('load'),
  );
  await step('documentation examples compile', process.execPath, packages('examples'));
  await step('testing kit: guide examples (Jest, Playwright) and a scratch app', process.execPath, [
    join('scripts', 'check-testing-kit.mjs'),
  ]);
  await step('packed packages: Next.js fixture', process.execPath, packages('nextjs'));
  await step('release check (changeset version on a copy)', process.execPath, packages('release'));
  await step('documentation site (typedoc + vitepress)', pnpm, ['run', 'docs:build']);
  await step(
    'end-to-end tests (playwright, chromium)',
    pnpm,
    ['exec', 'playwright', 'test', '--reporter=list,json'],
    {
      PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright.json'),
    },
    { counts: false },
  );

  await step(
    'browser build and documentation links (playwright)',
    pnpm,
    ['exec', 'playwright', 'test', '-c', 'playwright.static.config.ts', '--reporter=list,json'],
    { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright-static.json') },
    { counts: false },
  );
  // Last: it starts `npm start` and the dev servers, on the ports the e2e servers used.
  await step('documented commands', process.execPath, [join('scripts', 'doc-commands.mjs')]);

  const unit = readJson(join(reports, 'vitest.json'));
  const e2e = readJson(join(reports, 'playwright.json'));
  const page = readJson(join(reports, 'playwright-static.json'));
  const stats = (report) => ({
    passed: (report?.stats?.expected ?? 0) + (report?.stats?.flaky ?? 0),
    failed: report?.stats?.unexpected ?? 0,
    flaky: report?.stats?.flaky ?? 0,
    skipped: report?.stats?.skipped ?? 0,
  });
  const browser = [stats(e2e), stats(page)];
  // Steps that are checks rather than test runners count as one test each.
  const checks = results.filter((result) => result.counts);
  const checksPassed = checks.filter((result) => result.ok).length;
  const checksFailed = checks.length - checksPassed;
  const passed =
    (unit?.numPassedTests ?? 0) + browser.reduce((sum, b) => sum + b.passed, 0) + checksPassed;
  const failed =
    (unit?.numFailedTests ?? 0) + browser.reduce((sum, b) => sum + b.failed, 0) + checksFailed;
  const skipped =
    (unit?.numPendingTests ?? 0) +
    (unit?.numTodoTests ?? 0) +
    browser.reduce((sum, b) => sum + b.skipped, 0);

  console.log('\nSummary');
  for (const result of results) {
    console.log(`  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name} (${result.seconds} s)`);
  }
  console.log(`  unit: ${unit?.numPassedTests ?? 0} passed, ${unit?.numFailedTests ?? 0} failed`);
  for (const [label, b] of [
    ['e2e: ', browser[0]],
    ['page:', browser[1]],
  ]) {
    console.log(`  ${label} ${b.passed} passed, ${b.failed} failed, ${b.flaky} flaky`);
  }
  console.log(`  checks: ${checksPassed} passed, ${checksFailed} failed`);
  console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  const ok = results.every((result) => result.ok) && passed > 0 && failed === 0;
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`npm test: ${error.message}`);
  process.exit(1);
}
