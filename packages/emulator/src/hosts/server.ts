import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { EmulatorConfig } from '../config/config.js';
import type { TenantOptions } from '../context.js';
import {
  answerOf,
  controlOf,
  createTenant,
  stateOf,
  type EmulatedTenant,
} from '../create-tenant.js';
import { createEngine } from '../engine/socket.js';
import {
  ConnectionDropped,
  LOOPBACK_HOSTNAME,
  hostnameOf,
  misdirected,
} from '../http/middleware.js';

/** Options of {@link startEmulator}: where to listen, plus everything {@link createTenant} takes. */
export interface EmulatorOptions extends TenantOptions {
  /** TCP port. Default 0: a free port, chosen by the system (see {@link RunningEmulator.port}). */
  port?: number;
  /**
   * Address to listen on. Default `127.0.0.1` (and `::1` where the machine has IPv6): loopback,
   * reachable from this machine only. Another address (such as `0.0.0.0` in a CI service
   * container) exposes the emulator, its control API and its test users to the network: only on
   * a network you trust, and with {@link TenantOptions.allowedHosts} naming the host the clients
   * use.
   */
  host?: string;
  /** A full config, a partial one merged over the defaults, or nothing for the defaults. */
  config?: Partial<EmulatorConfig>;
  /**
   * Serve this tenant (made by {@link createTenant}) instead of a new one, e.g. to open a tenant a
   * unit test already drives to a browser. `config` and the {@link TenantOptions} are then unused.
   */
  tenant?: EmulatedTenant;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://localhost:8787`. */
  url: string;
  /** The port it listens on (the chosen one when asked for port 0). */
  port: number;
  /** The tenant it serves: the same handler and control methods as {@link createTenant}'s. */
  tenant: EmulatedTenant;
  /** Stops listening, closes every connection and engine socket, and stops the tenant's sweep timer. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts an emulated Qlik Cloud tenant on loopback and resolves once it accepts connections: the
 * handler of {@link createTenant} over node:http, with the engine WebSocket beside it.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, config: { autoApprove: true } });
 * // ... emulator.url is e.g. http://localhost:41234
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const { port: _port, host: _host, config, tenant: given, ...tenantOptions } = options;
  const tenant = given ?? createTenant(config, tenantOptions);
  const extraHosts = new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()));
  const servedHost = (value: string | undefined) => {
    const name = hostnameOf(value);
    return name !== undefined && (LOOPBACK_HOSTNAME.test(name) || extraHosts.has(name));
  };
  const engine = createEngine(stateOf(tenant), controlOf(tenant));
  // The tenant's answers as they are: an HTTP client follows the redirects itself.
  const answer = answerOf(tenant);
  const listener = getRequestListener(
    async (request, env) => {
      // The Host header itself, not only the URL: an absolute-form request target could name
      // localhost while the Host header names another domain.
      if (!servedHost(env.incoming.headers.host)) return misdirected();
      try {
        return await answer(request);
      } catch (error) {
        if (!(error instanceof ConnectionDropped)) throw error;
        // A dropped-connection fault (before or after processing): close the socket unanswered.
        env.incoming.socket.destroy();
        return new Response(null, { status: 500 });
      }
    },
    // Keep the process's own Request and Response: the emulator may share it with tests.
    { overrideGlobalObjects: false },
  );
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const makeServer = () => {
    const server = createServer((req, res) => void listener(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (!servedHost(req.headers.host)) {
        socket.end(
          'HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
      engine.handleUpgrade(req, socket, head);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    servers.push(server);
    return server;
  };
  const port = await listen(makeServer(), options.port ?? 0, host);
  if (host === '127.0.0.1') {
    // Browsers may resolve localhost to ::1 first; answer there too when the machine has IPv6.
    await listen(makeServer(), port, '::1').catch(() => servers.pop());
  }
  return {
    url: `http://localhost:${port}`,
    port,
    tenant,
    async close() {
      engine.close();
      // Its sweep timer too; a tenant that is used again (it was given) starts it again.
      stateOf(tenant).stopSweeping();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
