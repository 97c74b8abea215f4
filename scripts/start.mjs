#!/usr/bin/env node
// `npm start`: install, build, then run the emulator and the demo apps and print their URLs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackages, ensurePnpm, installDependencies, log, root } from './lib.mjs';

const EMULATOR_PORT = Number(process.env.EMULATOR_PORT ?? 8787);
const APPS = [
  { dir: 'apps/demo', port: 5173, title: 'React demo' },
  { dir: 'apps/mashup', port: 5174, title: 'Plain-HTML mashup' },
];

const children = [];

function start(name, command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  const forward = (stream, target) => {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) target.write(prefix + line + '\n');
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${prefix}exited with code ${code}; stopping everything`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  const pnpm = ensurePnpm();
  await installDependencies(pnpm);
  await buildPackages(pnpm);
  const emulatorUrl = `http://localhost:${EMULATOR_PORT}`;
  // The dev config (scripts/emulator.dev.json) gives access tokens 6 minutes, where a tenant's
  // default is 6 hours: the demo's single-page-app session announces its end a minute in, and
  // the native client's refreshes, within minutes of signing in.
  start('emulator', process.execPath, [
    join(root, 'packages/emulator/bin/qlik-auth-emulator.js'),
    '--port',
    String(EMULATOR_PORT),
    '--config',
    join(root, 'scripts/emulator.dev.json'),
  ]);
  await waitFor(`${emulatorUrl}/.well-known/oauth-authorization-server`);
  const apps = APPS.filter((app) => existsSync(join(root, app.dir, 'package.json')));
  for (const app of apps) {
    start(
      app.dir.split('/')[1],
      pnpm,
      ['--dir', app.dir, 'exec', 'vite', '--port', String(app.port), '--strictPort'],
      {
        VITE_QLIK_HOST: process.env.VITE_QLIK_HOST ?? emulatorUrl,
      },
    );
  }
  await Promise.all(apps.map((app) => waitFor(`http://localhost:${app.port}/`)));
  const lines = [
    `Qlik Cloud emulator   ${emulatorUrl}`,
    ...apps.map((app) => `${app.title.padEnd(21)} http://localhost:${app.port}/`),
  ];
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  console.log(`\n┌${'─'.repeat(width)}┐`);
  for (const line of lines) console.log(`│  ${line.padEnd(width - 2)}│`);
  console.log(`└${'─'.repeat(width)}┘`);
  console.log('Sign in as any listed user on the emulator login page. Ctrl+C stops everything.\n');
  log('ready');
} catch (error) {
  console.error(`npm start: ${error.message}`);
  stop(1);
}
