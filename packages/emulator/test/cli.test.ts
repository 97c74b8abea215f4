import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, start } from './helpers.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(packageDir, 'bin', 'qlik-auth-emulator.js');
const builtCli = join(packageDir, 'dist', 'cli.js');

/** Builds dist when it is missing or older than the sources, so the CLI under test is current. */
function ensureBuilt(): void {
  const srcDir = join(packageDir, 'src');
  const newestSource = Math.max(
    ...readdirSync(srcDir).map((name) => statSync(join(srcDir, name)).mtimeMs),
  );
  if (existsSync(builtCli) && statSync(builtCli).mtimeMs >= newestSource) return;
  execFileSync('pnpm', ['run', 'build'], { cwd: packageDir, stdio: 'pipe' });
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
let scratch: string;

function run(args: string[]): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: packageDir,
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the ready line and returns the URL it prints. */
async function ready(cli: Run): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const match = /Qlik Cloud emulator ready at (http:\/\/\S+)/.exec(cli.stdout());
    if (match) return match[1]!;
    if (cli.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the CLI did not get ready: ${cli.stdout()} ${cli.stderr()}`);
}

function configFile(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
}, 120_000);

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('qlik-auth-emulator CLI', () => {
  it('prints its URL when ready, serves the tenant there and stops cleanly on SIGTERM', async () => {
    const cli = run(['--port', '0']);
    const url = await ready(cli);
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    const metadata = await json<{ issuer: string }>(
      await fetch(`${url}/.well-known/oauth-authorization-server`),
    );
    expect(metadata.issuer).toBe(url);
    expect((await fetch(`${url}/__emulator/requests`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('loads a --config file', async () => {
    const path = configFile(
      'tenant.json',
      JSON.stringify({
        autoApprove: true,
        accessTokenTtlSeconds: 120,
        users: [
          { id: 'u1', subject: 'emulator|grace', name: 'Grace Hopper', email: 'grace@example.com' },
        ],
      }),
    );
    const cli = run(['--port', '0', '--config', path]);
    const url = await ready(cli);
    const config = await json<{
      autoApprove: boolean;
      accessTokenTtlSeconds: number;
      users: { id: string }[];
    }>(await fetch(`${url}/__emulator/config`));
    expect(config.autoApprove).toBe(true);
    expect(config.accessTokenTtlSeconds).toBe(120);
    expect(config.users.map((user) => user.id)).toEqual(['u1']);
  });

  it('turns the control API off with --no-controls', async () => {
    const cli = run(['--port', '0', '--no-controls']);
    const url = await ready(cli);
    expect((await fetch(`${url}/__emulator/requests`)).status).toBe(404);
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('exits non-zero with a clear message for an invalid config', async () => {
    const path = configFile('invalid.json', JSON.stringify({ users: [] }));
    const cli = run(['--port', '0', '--config', path]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(
      'qlik-auth-emulator: invalid config: users must be a non-empty array',
    );
    expect(cli.stdout()).not.toContain('ready');
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  });

  it('exits non-zero for a config file that is not JSON', async () => {
    const path = configFile('broken.json', '{ "autoApprove": tru');
    const cli = run(['--port', '0', '--config', path]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(`invalid config: ${path} is not valid JSON`);
  });

  it('exits non-zero for a config file that does not exist', async () => {
    const path = join(scratch, 'missing.json');
    const cli = run(['--port', '0', '--config', path]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(`invalid config: cannot read ${path}`);
  });

  it('exits non-zero for a config with a wrongly typed setting', async () => {
    const path = configFile('typed.json', JSON.stringify({ accessTokenTtlSeconds: 'long' }));
    const cli = run(['--port', '0', '--config', path]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('accessTokenTtlSeconds must be a positive number');
  });

  it('exits with 2 and the usage for a bad --port or an unknown option', async () => {
    const badPort = run(['--port', 'eighty']);
    expect(await badPort.exited).toBe(2);
    expect(badPort.stderr()).toContain('--port must be a port number');
    expect(badPort.stderr()).toContain('Usage: qlik-auth-emulator');
    const unknown = run(['--frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('Usage: qlik-auth-emulator');
  });

  it('prints the usage for --help', async () => {
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--no-controls');
  });

  it('says so when the port is already in use', async () => {
    const taken = await start();
    try {
      const cli = run(['--port', String(taken.port)]);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`port ${taken.port} is already in use`);
    } finally {
      await taken.close();
    }
  });
});
