import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, resolveConfig } from './config.js';
import { Control, type RequestLogEntry } from './control.js';
import { createEngine } from './engine.js';
import { HttpError, apiError } from './errors.js';
import { methodNotAllowed, sendHtml, sendJson } from './http.js';
import { Tenant } from './tenant.js';
import { createApiRoutes } from './api.js';
import { createAuthorizeRoutes } from './authorize.js';
import type { Context, EmulatorOptions } from './context.js';
import { createControlRoutes } from './control-api.js';
import { createTokenRoutes } from './token-endpoint.js';

export type { EmulatorOptions } from './context.js';

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://localhost:8787`. */
  url: string;
  port: number;
  tenant: Tenant;
  control: Control;
  close(): Promise<void>;
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;
const GRANTS = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:qlik:oauth:user-impersonation',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds the request handler of one emulated tenant. */
function createHandler(
  tenant: Tenant,
  control: Control,
  options: EmulatorOptions,
  baseUrl: () => string,
) {
  const random = options.random ?? Math.random;

  /** The issuer is the origin the client used, so `localhost` and `127.0.0.1` both validate. */
  function issuerOf(req: IncomingMessage): string {
    const host = req.headers.host;
    return host && LOOPBACK_HOST.test(host) ? `http://${host}` : baseUrl();
  }

  /** CORS for the token, revoke and API paths: only the registered clients' origins. */
  function cors(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !tenant.allowedOrigin(origin)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  }

  function preflight(req: IncomingMessage, res: ServerResponse, methods: string): void {
    const headers = cors(req);
    if (!headers['access-control-allow-origin']) {
      throw apiError(403, 'HTTP-403', 'Forbidden', 'origin is not allowed');
    }
    res.writeHead(204, {
      ...headers,
      'access-control-allow-methods': methods,
      'access-control-allow-headers': 'authorization, content-type, dpop',
      'access-control-max-age': '600',
    });
    res.end();
  }
  const ctx: Context = { tenant, control, options, issuerOf, cors, preflight };
  const { authorize, login } = createAuthorizeRoutes(ctx);
  const { token, revoke } = createTokenRoutes(ctx);
  const { api } = createApiRoutes(ctx);
  const { controlApi } = createControlRoutes(ctx);

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RequestLogEntry,
  ) {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/.well-known/oauth-authorization-server') {
      if (method !== 'GET') methodNotAllowed('GET');
      const issuer = issuerOf(req);
      return sendJson(
        res,
        200,
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          authorization_endpoint: `${issuer}/oauth/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          revocation_endpoint: `${issuer}/oauth/revoke`,
          grant_types_supported: GRANTS,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: [
            'none',
            'client_secret_post',
            'client_secret_basic',
          ],
        },
        { 'access-control-allow-origin': '*' },
      );
    }
    if (path === '/.well-known/jwks.json') {
      if (method !== 'GET') methodNotAllowed('GET');
      return sendJson(res, 200, await tenant.jwks(), { 'access-control-allow-origin': '*' });
    }
    if (path === '/oauth/authorize') {
      if (method !== 'GET') methodNotAllowed('GET');
      return authorize(req, res, url);
    }
    if (path === '/oauth/authorize/login') {
      if (method !== 'POST') methodNotAllowed('POST');
      return login(req, res);
    }
    if (path === '/oauth/token' || path === '/oauth/revoke' || path.startsWith('/api/v1/')) {
      if (method === 'OPTIONS')
        return preflight(req, res, path.startsWith('/api/') ? 'GET' : 'POST');
      if (path === '/oauth/token') {
        if (method !== 'POST') methodNotAllowed('POST');
        return token(req, res, entry);
      }
      if (path === '/oauth/revoke') {
        if (method !== 'POST') methodNotAllowed('POST');
        return revoke(req, res);
      }
      return api(req, res, url);
    }
    if (path.startsWith('/__emulator/') && options.controls !== false) {
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
          'access-control-allow-headers': 'content-type',
        });
        return void res.end();
      }
      return controlApi(req, res, url);
    }
    if (path === '/' && method === 'GET') {
      return sendHtml(
        res,
        200,
        `<!doctype html><meta charset="utf-8"><title>Qlik Cloud emulator</title>
<h1>Qlik Cloud emulator</h1><p>OAuth metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a></p>`,
      );
    }
    throw apiError(404, 'HTTP-404', 'Not found', `nothing at ${path}`);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator');
    } catch {
      url = new URL('http://emulator/');
    }
    const isControl = url.pathname.startsWith('/__emulator/');
    const entry = isControl
      ? undefined
      : control.record(req.method ?? 'GET', url.pathname, req.headers.origin);
    res.on('finish', () => {
      if (entry) {
        entry.status = res.statusCode;
        entry.durationMs = Math.round(performance.now() - started);
      }
    });
    try {
      const fault = isControl
        ? undefined
        : control.match(req.method ?? 'GET', url.pathname, random);
      if (fault && entry) {
        entry.fault = fault.drop ? 'drop' : fault.status !== undefined ? 'status' : 'delay';
        if (fault.delayMs) await sleep(fault.delayMs);
        if (fault.drop) {
          req.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const body = fault.body ?? {
            errors: [
              {
                code: `HTTP-${fault.status}`,
                title: 'Injected fault',
                status: String(fault.status),
              },
            ],
          };
          if (typeof body === 'string') {
            res.writeHead(fault.status, {
              ...cors(req),
              'content-type': 'text/html; charset=utf-8',
            });
            res.end(body);
          } else {
            sendJson(res, fault.status, body, cors(req));
          }
          return;
        }
      }
      await route(req, res, url, entry ?? ({} as RequestLogEntry));
    } catch (error) {
      const known =
        error instanceof HttpError
          ? error
          : error instanceof ConfigError
            ? apiError(400, 'EMULATOR-3', 'Invalid config', error.message)
            : apiError(500, 'HTTP-500', 'Internal server error');
      if (!(error instanceof HttpError) && !(error instanceof ConfigError)) {
        console.error('[emulator] unexpected error:', (error as Error).message);
      }
      if (entry) entry.error = known.entry.code;
      if (res.headersSent) return void res.end();
      sendJson(res, known.status, known.body, cors(req));
    }
  };
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
 * Starts an emulated Qlik Cloud tenant on loopback and resolves once it accepts connections.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, config: { autoApprove: true } });
 * // ... emulator.url is e.g. http://localhost:41234
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) {
    throw new ConfigError('the emulator listens on loopback addresses only');
  }
  const tenant = new Tenant(resolveConfig(options.config ?? {}), options.now);
  const control = new Control();
  let url = '';
  const handler = createHandler(tenant, control, options, () => url);
  const engine = createEngine(tenant);
  const servers: Server[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const makeServer = () => {
    const server = createServer((req, res) => void handler(req, res));
    server.on('upgrade', (req, socket, head) => engine.handleUpgrade(req, socket, head));
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
  const port = await listen(makeServer(), options.port ?? 8787, host);
  if (host === '127.0.0.1') {
    // Browsers may resolve localhost to ::1 first; answer there too when the machine has IPv6.
    await listen(makeServer(), port, '::1').catch(() => servers.pop());
  }
  url = `http://localhost:${port}`;
  return {
    url,
    port,
    tenant,
    control,
    async close() {
      engine.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
