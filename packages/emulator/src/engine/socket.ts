import { scopeAllows } from '../config/scopes.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { QixSession, type QixUser } from './qix.js';
import type { Control } from '../control/log-and-faults.js';
import type { AccessTokenRecord, Tenant } from '../state/tenant.js';

/**
 * The close code Qlik Cloud's engine proxy ends a socket with when the app does not exist
 * ("App not found" in @qlik/api's table of close codes). It needs an open socket: a refused
 * handshake can carry an HTTP status but no close code.
 */
export const CLOSE_APP_NOT_FOUND = 4204;

/** Refuses a WebSocket handshake with a plain HTTP response, as a gateway would. */
function refuse(socket: Duplex, status: number, reason: string, detail?: string): void {
  const body = JSON.stringify({
    errors: [
      {
        code: `HTTP-${status}`,
        title: reason,
        ...(detail ? { detail } : {}),
        status: String(status),
      },
    ],
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The parts of an engine socket target `/app/{appId}[/identity/{x}][/ttl/{n}]`. */
export interface EngineTarget {
  appId: string;
  identity?: string;
  ttlSeconds?: number;
  /** The query token a browser sends (a websocket-purpose token), if any. */
  accessToken: string | null;
}

const TARGET = /^\/app\/([^/]+)(?:\/identity\/([^/]+))?(?:\/ttl\/([^/]+))?\/?$/;

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Parses the request target of an engine socket. Returns undefined for anything that is not a
 * well-formed engine path (the handshake then gets 400). `reloadUri` and `workloadType` are
 * accepted and not needed: the emulated engine never reloads.
 */
export function parseEngineTarget(target: string | undefined): EngineTarget | undefined {
  let url: URL;
  try {
    url = new URL(target ?? '', 'http://emulator');
  } catch {
    return undefined;
  }
  // Origin-form only (RFC 9112 section 3.2.1): '//host/...' would name another authority.
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  const match = TARGET.exec(url.pathname);
  if (!match) return undefined;
  const appId = decode(match[1]!);
  const identity = match[2] === undefined ? undefined : decode(match[2]);
  if (!appId || (match[2] !== undefined && !identity)) return undefined;
  let ttlSeconds: number | undefined;
  if (match[3] !== undefined) {
    if (!/^\d{1,9}$/.test(match[3])) return undefined;
    ttlSeconds = Number(match[3]);
  }
  return {
    appId,
    ...(identity ? { identity } : {}),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
    accessToken: url.searchParams.get('accessToken'),
  };
}

/**
 * Authenticates an engine socket the two ways Qlik Cloud does: a browser (which cannot set
 * headers on a WebSocket) puts a websocket-purpose token in `?accessToken=`; Node clients such as
 * @qlik/api and enigma.js send `Authorization: Bearer <access token>`. Each way takes only its
 * own kind of token, so a purpose token is never a Bearer credential and a long-lived access
 * token never travels in a URL.
 */
export async function authenticateEngineSocket(
  tenant: Tenant,
  target: EngineTarget,
  authorization: string | undefined,
): Promise<AccessTokenRecord | undefined> {
  if (target.accessToken !== null) {
    return target.accessToken
      ? tenant.accessTokens.verify(target.accessToken, 'websocket')
      : undefined;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return bearer ? tenant.accessTokens.verify(bearer, undefined) : undefined;
}

/** Who the engine says is connected: the user, or the client's bot for client_credentials. */
function qixUser(tenant: Tenant, record: AccessTokenRecord): QixUser {
  const user = record.userId ? tenant.user(record.userId) : undefined;
  if (user) {
    return { authenticatedUser: `UserDirectory=emulator; UserId=${user.subject}`, userId: user.id };
  }
  return {
    authenticatedUser: `UserDirectory=qlikbot; UserId=${record.clientId}`,
    userId: record.clientId,
  };
}

/**
 * The engine endpoint `/app/{appId}`. Before the handshake completes it refuses a malformed target
 * (400), a browser origin the tenant does not allow (403) and a missing or wrong token (401); an
 * app that does not exist gets an open socket closed with {@link CLOSE_APP_NOT_FOUND}. Each
 * handshake goes in the request log (`control`), with its status (101 once open) and how it
 * presented its token.
 */
export function createEngine(tenant: Tenant, control?: Control) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    const entry = control?.record('GET', (req.url ?? '').split('?')[0]!, origin);
    const refused = (status: number, reason: string, detail?: string) => {
      if (entry) entry.status = status;
      refuse(socket, status, reason, detail);
    };
    const target = parseEngineTarget(req.url);
    if (!target) {
      return refused(400, 'Bad Request', 'the engine socket is /app/{appId}');
    }
    if (entry && target.accessToken) entry.credential = 'websocket';
    else if (entry && req.headers.authorization) entry.credential = 'bearer';
    if (origin && !tenant.allowedOrigin(origin)) return refused(403, 'Forbidden');
    const record = await authenticateEngineSocket(tenant, target, req.headers.authorization);
    if (!record) return refused(401, 'Unauthorized');
    // Opening an app reads it: a token whose scopes do not allow reading apps is refused
    // (config/scopes.ts; the emulator's reading, as Qlik does not publish the engine's check).
    if (!scopeAllows(record.scope, 'readApps')) {
      return refused(403, 'Forbidden', "the token's scopes do not allow reading apps");
    }
    if (entry) entry.status = 101;
    const app = tenant.config.apps.find((candidate) => candidate.id === target.appId);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      if (!app) return ws.close(CLOSE_APP_NOT_FOUND, 'App not found');
      new QixSession(ws, app, () => tenant.config.apps, qixUser(tenant, record), tenant.now);
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
