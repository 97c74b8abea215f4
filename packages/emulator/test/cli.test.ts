import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, rawRequest, start } from './helpers.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(packageDir, 'bin', 'qlik-auth-emulator.js');
const builtCli = join(packageDir, 'dist', 'cli.js');

/** Builds dist when it is missing or older than the sources, so the CLI under test is current. */
function ensureBuilt(): void {
  const srcDir = join(packageDir, 'src');
  const newestSource = Math.max(
    ...readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).map(
      (name) => statSync(join(srcDir, name)).mtimeMs,
    ),
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

// Each test starts node processes: on a loaded machine they need more than the default 5 s.
describe('qlik-auth-emulator CLI', { timeout: 60_000 }, () => {
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

  it('prints the port it chose for --port 0', async () => {
    const cli = run(['--port', '0']);
    const url = await ready(cli);
    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);
    expect(cli.stdout()).toContain(`(port ${port})`);
    expect(cli.stderr()).toBe('');
  });

  it('prints its version for --version', async () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    const cli = run(['--version']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout().trim()).toBe(manifest.version);
  });

  it('listens on loopback by default, without a warning', async () => {
    const cli = run(['--port', '0']);
    const url = await ready(cli);
    expect(cli.stderr()).toBe('');
    const { port } = new URL(url);
    const res = await rawRequest(
      Number(port),
      `GET /.well-known/jwks.json HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('listens on another address only when asked, and warns', async () => {
    const cli = run(['--port', '0', '--host', '0.0.0.0', '--allowed-host', 'emulator']);
    const url = await ready(cli);
    expect(cli.stderr()).toMatch(/warning: listening on 0\.0\.0\.0, not on loopback/);
    const { port } = new URL(url);
    const ask = (host: string) =>
      rawRequest(
        Number(port),
        `GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`,
      );
    const named = await ask('emulator');
    expect(named).toMatch(/^HTTP\/1\.1 200 /);
    expect(named).toContain(`"issuer":"http://emulator:${port}"`);
    expect(await ask('other.example')).toMatch(/^HTTP\/1\.1 421 /);
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

  it('exits non-zero naming the setting when a client’s token lifetime is out of Qlik’s range', async () => {
    const path = configFile(
      'lifetime.json',
      JSON.stringify({
        clients: [
          {
            clientId: 'app',
            appType: 'native',
            redirectUris: ['http://localhost:3000/'],
            accessTokenLifetimeMinutes: 2880,
          },
        ],
      }),
    );
    const cli = run(['--port', '0', '--config', path]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(
      'qlik-auth-emulator: invalid config: clients[0].accessTokenLifetimeMinutes must be a whole number of minutes from 15 to 1440',
    );
    expect(cli.stdout()).not.toContain('ready');
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
