// Shared by start.mjs and test.mjs: find or install pnpm, run commands, install dependencies.
// Plain Node (no dependencies), because these run before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const localPnpm = join(root, '.tools', 'node_modules', '.bin', 'pnpm');
const PNPM_VERSION = '10';

export function log(message) {
  console.log(`\x1b[36m▸ ${message}\x1b[0m`);
}

function pnpmWorks(command) {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', shell: false });
  return result.status === 0 && result.stdout.trim().startsWith(`${PNPM_VERSION}.`);
}

/** Puts a pnpm installed under .tools/ on PATH, for the commands we start (Playwright's servers). */
function useLocalPnpm() {
  process.env.PATH = `${dirname(localPnpm)}${delimiter}${process.env.PATH ?? ''}`;
  return localPnpm;
}

/** Returns a pnpm 10 command, installing it (globally if allowed, else under .tools/) if missing. */
export function ensurePnpm() {
  if (pnpmWorks('pnpm')) return 'pnpm';
  if (existsSync(localPnpm) && pnpmWorks(localPnpm)) return useLocalPnpm();
  log(`installing pnpm@${PNPM_VERSION}`);
  const global = spawnSync('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`], { stdio: 'inherit' });
  if (global.status === 0 && pnpmWorks('pnpm')) return 'pnpm';
  const local = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      join(root, '.tools'),
      '--no-save',
      '--no-audit',
      '--no-fund',
      `pnpm@${PNPM_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  if (local.status === 0 && pnpmWorks(localPnpm)) return useLocalPnpm();
  throw new Error('could not install pnpm 10; install it with `npm i -g pnpm@10` and retry');
}

/** Runs a command to completion, inheriting stdio; resolves with its exit code. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    child.on('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Installs the workspace's dependencies (frozen lockfile in CI). */
export async function installDependencies(pnpm) {
  log('installing dependencies');
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  const code = await run(pnpm, ['install', ...frozen]);
  if (code !== 0) throw new Error('pnpm install failed');
}

/** Builds the libraries and the emulator (the apps build on demand): `pnpm build`, as documented. */
export async function buildPackages(pnpm) {
  log('building packages (pnpm build)');
  const code = await run(pnpm, ['run', 'build']);
  if (code !== 0) throw new Error('build failed');
}
