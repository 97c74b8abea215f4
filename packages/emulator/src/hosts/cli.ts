import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/validate.js';
import { loadConfigFile } from '../config/config-file.js';
import { LOOPBACK_HOSTNAME } from '../http/middleware.js';
import { startEmulator } from './server.js';

const usage = `Usage: qlik-auth-emulator [--port 8787] [--host 127.0.0.1] [--config file.json] [--no-controls]

A local Qlik Cloud tenant for OAuth development and tests.
  --port <n>            TCP port (default 8787, or $PORT; 0 picks a free one and prints it)
  --host <address>      address to listen on (default 127.0.0.1 and ::1, loopback only);
                        another address exposes the emulator to the network: only when asked
  --allowed-host <name> a host name to serve besides loopback ones (repeatable), e.g. a CI
                        service container's name; every other Host is refused with 421
  --config <file>       JSON config: clients (appType spa, native or web, token lifetimes),
                        users, apps, session timeouts, allowFraming, autoApprove, test
                        settings; a value Qlik Cloud would refuse stops the emulator (status 1)
  --no-controls         turn off the /__emulator/ control API
  --version             print the version
  --help                show this text`;

/**
 * The package's version, read from its package.json: beside dist/ for the built CLI
 * (dist/cli.js), two levels up for its source (src/hosts/cli.ts).
 */
function version(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (manifest.name === '@qlik-auth/emulator') return manifest.version;
    } catch {
      // Not here; the next place up.
    }
  }
  return 'unknown';
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        config: { type: 'string' },
        'no-controls': { type: 'boolean' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.version) {
    console.log(version());
    return;
  }
  const port = values.port === undefined ? Number(process.env.PORT ?? 8787) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number\n\n${usage}`);
    process.exit(2);
  }
  const host = values.host;
  const allowedHosts = values['allowed-host'] ?? [];
  const bracketed = host?.includes(':') ? `[${host}]` : host;
  if (host !== undefined && !LOOPBACK_HOSTNAME.test(bracketed!)) {
    console.warn(
      `qlik-auth-emulator: warning: listening on ${host}, not on loopback: other machines can reach ` +
        `this emulator, its control API and its test users. Use it only on a network you trust ` +
        `(a CI service network), never for a real tenant's data.`,
    );
  }
  try {
    const config = values.config ? await loadConfigFile(values.config) : undefined;
    const emulator = await startEmulator({
      port,
      ...(host !== undefined ? { host } : {}),
      ...(allowedHosts.length ? { allowedHosts } : {}),
      controls: !values['no-controls'],
      ...(config ? { config } : {}),
    });
    console.log(`Qlik Cloud emulator ready at ${emulator.url} (port ${emulator.port})`);
    const stop = () => {
      void emulator.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? `invalid config: ${error.message}`
        : (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `port ${port} is already in use`
          : (error as Error).message;
    console.error(`qlik-auth-emulator: ${message}`);
    process.exit(1);
  }
}

void main();
