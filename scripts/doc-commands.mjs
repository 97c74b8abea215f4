#!/usr/bin/env node
// Runs every command the READMEs and the docs show, so none can break unnoticed. Commands are
// taken from sh/bash/shell code blocks and from inline code that starts with pnpm, npm, npx or
// node; each must match a rule below, which runs it (a short smoke run where the real one is
// long, or a server started until it says it is ready, then stopped) or names the `npm test`
// step that already runs it. A command no rule knows fails this check: add a rule with it.
// `--list` only lists the commands and what covers them; `--only=<regex>` picks some.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { root } from './lib.mjs';
import { codeBlocks, documentationFiles } from './packages.mjs';

const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
const INLINE = /`((?:pnpm|npm|npx|node) [^`]+)`/g;

/** `{ command, where }` for every command in the docs, `&&` chains split. */
function documentedCommands() {
  const found = [];
  for (const file of documentationFiles()) {
    const where = (line) => `${relative(root, file)}:${line}`;
    const blocks = codeBlocks(file);
    for (const block of blocks.filter(({ lang }) => SHELL.has(lang))) {
      block.code.split('\n').forEach((raw, index) => {
        const line = raw
          .replace(/^\$\s+/, '')
          .replace(/\s+#.*$/, '')
          .trim();
        if (!line || line.startsWith('#')) return;
        for (const command of line.split('&&')) {
          found.push({ command: command.trim(), where: where(block.line + 1 + index) });
        }
      });
    }
    // Inline code outside fenced blocks.
    const text = readFileSync(file, 'utf8').split('\n');
    let fenced = false;
    text.forEach((line, index) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      if (fenced) return;
      for (const match of line.matchAll(INLINE)) {
        for (const command of match[1].split('&&')) {
          found.push({ command: command.trim(), where: where(index + 1) });
        }
      }
    });
  }
  return found;
}

const temporary = [];
const ready = /ready at (http:\/\/\S+)/;

/** The documented config file of the emulator (the JSON block of its README), in a temp dir. */
function emulatorConfigFile() {
  const readme = join(root, 'packages', 'emulator', 'README.md');
  const json = codeBlocks(readme).find(({ lang }) => lang === 'json');
  const fallback = join(root, 'README.md');
  const block = json ?? codeBlocks(fallback).find(({ lang }) => lang === 'json');
  if (!block) throw new Error('no JSON config example in the emulator README');
  const dir = mkdtempSync(join(tmpdir(), 'qlik-auth-emulator-config-'));
  temporary.push(dir);
  const path = join(dir, 'emulator.json');
  writeFileSync(path, block.code);
  return path;
}

/** The emulator's load benchmark, small: one run each, 2,000 grants, 5,000 refreshes. */
const EMULATOR_LOAD_SMOKE = {
  BENCH_EMULATOR_RUNS: '1',
  BENCH_EMULATOR_GRANTS: '2000',
  BENCH_EMULATOR_REFRESHES: '5000',
};

/**
 * The rules, first match wins. `run`: argv run from the repository root (env added);
 * `server`: argv started, then stopped once its output matches `until` (and `check` passed);
 * `covered`: the `npm test` step that runs exactly this.
 */
const rules = [
  { match: /^npm test$/, covered: 'this command itself' },
  { match: /^npm start$/, server: ['npm', 'start'], until: /Ctrl\+C stops everything/ },
  {
    match: /^(npm install|npm i|pnpm add)( --save-dev| -D)? @qlik-auth\//,
    covered: 'packed packages: ESM, CommonJS and Jest projects',
  },
  { match: /^pnpm install$/, run: ['pnpm', 'install', '--prefer-offline'] },
  { match: /^pnpm build$/, covered: 'building packages (pnpm build), before every other step' },
  // One short iteration of each latency loop and one small run of the emulator's load.
  {
    match: /^pnpm bench$/,
    run: ['pnpm', 'bench'],
    env: { BENCH_ITERATIONS: '20', ...EMULATOR_LOAD_SMOKE },
  },
  {
    match: /^pnpm --dir bench run emulator$/,
    run: ['pnpm', '--dir', 'bench', 'run', 'emulator'],
    env: EMULATOR_LOAD_SMOKE,
  },
  { match: /^pnpm (run )?size$/, covered: 'size budgets' },
  { match: /^pnpm (run )?lint$/, covered: 'lint (eslint + prettier)' },
  { match: /^pnpm (run )?typecheck$/, covered: 'typecheck' },
  { match: /^pnpm (run )?test:unit$/, covered: 'unit tests (vitest)' },
  { match: /^pnpm (run )?test:e2e$/, covered: 'end-to-end tests (playwright, chromium)' },
  { match: /^pnpm (run )?docs:build$/, covered: 'documentation site (typedoc + vitepress)' },
  {
    match: /^pnpm (run )?docs:dev$/,
    server: ['pnpm', 'run', 'docs:dev'],
    until: /Local:\s+http/,
  },
  {
    match: /^pnpm (--filter|-F) @qlik-auth\/(demo|mashup) dev$/,
    server: (command) => command.split(' '),
    until: /Local:\s+http/,
  },
  {
    // The emulator CLI, any spelling; a free port instead of a fixed one (others may hold it).
    match:
      /^(npx qlik-auth-emulator|pnpm exec qlik-auth-emulator|node packages\/emulator\/bin\/qlik-auth-emulator\.js)( --port \d+)?( --config emulator\.json)?( --no-controls)?$/,
    server: (command) => {
      const argv = command.split(' ');
      const port = argv.indexOf('--port');
      if (port >= 0) argv[port + 1] = '0';
      const config = argv.indexOf('--config');
      if (config >= 0) argv[config + 1] = emulatorConfigFile();
      return argv;
    },
    until: ready,
    check: async (output) => {
      const url = ready.exec(output)[1];
      const response = await fetch(`${url}/.well-known/oauth-authorization-server`);
      if ((await response.json()).issuer !== url) throw new Error(`${url} is not the issuer`);
    },
  },
  {
    match: /^npx qlik-auth-emulator --help$/,
    run: ['npx', 'qlik-auth-emulator', '--help'],
  },
  {
    match: /^node scripts\/packages\.mjs( <step>| pack| lint| load| examples| nextjs| release)$/,
    covered: 'packed packages (each step of scripts/packages.mjs)',
  },
  { match: /^pnpm pack$/, covered: 'packed packages: pack' },
  // The optional peer the emulator's /qlik-embed/main.js is built from: that step installs every
  // peer of the packed packages, @qlik/api 2.19 among them.
  {
    match: /^npm install --save-dev @qlik\/api@\^2\.19$/,
    covered: 'packed packages: ESM, CommonJS and Jest projects',
  },
  // The testing guide's Jest ES-module run: examples/testing's `test:jest-esm` script.
  {
    match: /^node --experimental-vm-modules (\.\/)?node_modules\/jest\/bin\/jest\.js$/,
    covered: 'testing kit: guide examples (Jest, Playwright) and a scratch app',
  },
  { match: /^pnpm (run )?docs:api$/, covered: 'documentation site (typedoc + vitepress)' },
  {
    match: /^pnpm changeset$/,
    covered: 'release check (changeset version on a copy)',
  },
  {
    match: /^pnpm changeset (version|publish|status)$/,
    covered: 'release check (changeset version on a copy)',
  },
];

function runCommand(argv, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

/** Starts a server in its own process group, waits for `until`, checks, then stops the group. */
function runServer(argv, until, check, timeoutMs = 180_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let settled = false;
    const stop = () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`not ready after ${timeoutMs / 1000} s:\n${output.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      output += chunk;
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      if (until.test(plain)) {
        Promise.resolve(check?.(plain)).then(
          () => finish(),
          (error) => finish(error),
        );
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', finish);
    child.on('exit', (code) => {
      if (!settled)
        finish(new Error(`exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

// `--only=<regex>` runs the matching commands only (while working on one).
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice(7);
const commands = documentedCommands().filter(
  ({ command }) => !only || new RegExp(only).test(command),
);
const unknown = [];
const done = new Map();
let failed = 0;
for (const { command, where } of commands) {
  const rule = rules.find(({ match }) => match.test(command));
  if (!rule) {
    unknown.push(`${where}: ${command}`);
    continue;
  }
  if (done.has(command)) continue;
  done.set(command, where);
  if (process.argv.includes('--list')) {
    console.log(`${rule.covered ? '=' : '▸'} ${command}  (${where})`);
    continue;
  }
  if (rule.covered) {
    console.log(`= ${command}  (${where}): run by the step "${rule.covered}"`);
    continue;
  }
  console.log(`\n▸ ${command}  (${where})`);
  const started = Date.now();
  try {
    if (rule.run) await runCommand(rule.run, rule.env);
    else {
      const argv = typeof rule.server === 'function' ? rule.server(command) : rule.server;
      await runServer(argv, rule.until, rule.check);
    }
    console.log(`ok: ${command} (${Math.round((Date.now() - started) / 1000)} s)`);
  } catch (error) {
    failed++;
    console.error(`FAILED: ${command} (${where}): ${error.message}`);
  }
}
for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
if (unknown.length) {
  console.error(
    `\nDocumented commands no rule of scripts/doc-commands.mjs runs:\n  ${unknown.join('\n  ')}`,
  );
}
console.log(
  `\n${done.size} distinct documented commands; ${failed} failed; ${unknown.length} unknown`,
);
process.exit(failed || unknown.length ? 1 : 0);
