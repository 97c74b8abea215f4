import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';
import { loadConfigFile } from './config-file.js';
import { startEmulator } from './server.js';

const usage = `Usage: qlik-auth-emulator [--port 8787] [--config file.json] [--no-controls]

A local Qlik Cloud tenant for OAuth development and tests.
  --port <n>       TCP port on loopback (default 8787; 0 picks a free one)
  --config <file>  JSON config: clients, users, apps, lifetimes, autoApprove
  --no-controls    turn off the /__emulator/ control API
  --help           show this text`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        config: { type: 'string' },
        'no-controls': { type: 'boolean' },
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
  const port = values.port === undefined ? Number(process.env.PORT ?? 8787) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number\n\n${usage}`);
    process.exit(2);
  }
  try {
    const config = values.config ? await loadConfigFile(values.config) : undefined;
    const emulator = await startEmulator({
      port,
      controls: !values['no-controls'],
      ...(config ? { config } : {}),
    });
    console.log(`Qlik Cloud emulator ready at ${emulator.url}`);
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
