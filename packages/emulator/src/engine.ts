import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppConfig } from './config.js';
import { safeDecode } from './http.js';
import type { Tenant } from './tenant.js';

/** Refuses a WebSocket handshake with a plain HTTP response, as a gateway would. */
function refuse(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({
    errors: [{ code: `HTTP-${status}`, title: reason, status: String(status) }],
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

interface RpcRequest {
  jsonrpc?: string;
  id?: number | string;
  handle?: number;
  method?: string;
  params?: unknown;
}

/** JSON-RPC error codes the engine uses. */
const RPC = { parse: -32700, invalid: -32600, noMethod: -32601, params: -32602 };

const DOC_HANDLE = 1;

/**
 * A minimal QIX engine session: enough for enigma.js to open an app and read its layout.
 * Handle -1 is the Global object, handle 1 the opened Doc.
 */
class EngineSession {
  private docOpen = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly app: AppConfig,
    private readonly userName: string,
  ) {
    // The engine greets first; enigma.js waits for this notification.
    this.send({
      jsonrpc: '2.0',
      method: 'OnConnected',
      params: { qSessionState: 'SESSION_CREATED' },
    });
    ws.on('message', (data) => this.onMessage(String(data)));
  }

  private send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  private onMessage(text: string): void {
    let request: RpcRequest;
    try {
      request = JSON.parse(text) as RpcRequest;
    } catch {
      this.send({ jsonrpc: '2.0', id: null, error: { code: RPC.parse, message: 'Parse error' } });
      return;
    }
    if (typeof request !== 'object' || request === null || typeof request.method !== 'string') {
      this.send({
        jsonrpc: '2.0',
        id: request?.id ?? null,
        error: { code: RPC.invalid, message: 'Invalid request' },
      });
      return;
    }
    const reply = (result: unknown) => this.send({ jsonrpc: '2.0', id: request.id, result });
    const fail = (code: number, message: string, parameter?: string) =>
      this.send({
        jsonrpc: '2.0',
        id: request.id,
        error: { code, message, ...(parameter ? { parameter } : {}) },
      });
    const params = request.params;
    const param = (name: string, index: number): unknown =>
      Array.isArray(params)
        ? params[index]
        : (params as Record<string, unknown> | undefined)?.[name];

    if (request.handle === -1) {
      switch (request.method) {
        case 'OpenDoc': {
          const docName = param('qDocName', 0);
          if (docName !== this.app.id) return fail(1002, 'App not found', String(docName));
          this.docOpen = true;
          return reply({ qReturn: { qType: 'Doc', qHandle: DOC_HANDLE, qGenericId: this.app.id } });
        }
        case 'GetActiveDoc':
          if (!this.docOpen) return fail(1007, 'No active document');
          return reply({ qReturn: { qType: 'Doc', qHandle: DOC_HANDLE, qGenericId: this.app.id } });
        case 'EngineVersion':
          return reply({ qVersion: { qComponentVersion: '12.2000.0-emulator' } });
        case 'ProductVersion':
          return reply({ qReturn: '12.2000.0-emulator' });
        case 'IsDesktopMode':
          return reply({ qReturn: false });
        case 'GetAuthenticatedUser':
          return reply({ qReturn: this.userName });
        default:
          return fail(RPC.noMethod, 'Method not found', request.method);
      }
    }
    if (request.handle === DOC_HANDLE && this.docOpen) {
      switch (request.method) {
        case 'GetAppLayout':
          return reply({
            qLayout: {
              qTitle: this.app.name,
              qFileName: this.app.id,
              qLastReloadTime: '2026-11-01T08:00:00.000Z',
              qHasScript: true,
              qHasData: true,
              qStateNames: [],
              qMeta: { privileges: ['read'] },
              qLocaleInfo: { qDecimalSep: '.', qThousandSep: ',', qCollation: 'en-US' },
            },
          });
        case 'GetAppProperties':
          return reply({
            qProp: { qTitle: this.app.name, description: this.app.description ?? '' },
          });
        case 'GetTablesAndKeys':
          return reply({ qtr: [], qk: [] });
        default:
          return fail(RPC.noMethod, 'Method not found', request.method);
      }
    }
    return fail(RPC.params, 'Invalid handle', String(request.handle));
  }
}

/**
 * The engine endpoint `/app/{appId}?accessToken=<websocket purpose token>`. Refuses a missing or
 * wrong token (401), an app that does not exist (404) and a browser origin the tenant does not
 * allow (403) before the WebSocket handshake completes.
 */
export function createEngine(tenant: Tenant) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://emulator');
    const match = /^\/app\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (origin && !tenant.allowedOrigin(origin)) return refuse(socket, 403, 'Forbidden');
    const token = url.searchParams.get('accessToken');
    const record = token ? await tenant.verifyAccessToken(token, 'websocket') : undefined;
    if (!record) return refuse(socket, 401, 'Unauthorized');
    const app = tenant.config.apps.find((candidate) => candidate.id === safeDecode(match[1]!));
    if (!app) return refuse(socket, 404, 'Not Found');
    const user = record.userId ? tenant.user(record.userId) : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      new EngineSession(
        ws,
        app,
        user ? `UserDirectory=emulator; UserId=${user.subject}` : 'client',
      );
    });
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      handleUpgrade(req, socket, head).catch(() => refuse(socket, 500, 'Internal Server Error'));
    },
    close(): void {
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
