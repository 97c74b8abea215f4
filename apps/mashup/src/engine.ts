// The Qlik associative engine (QIX) over a plain WebSocket: JSON-RPC 2.0, no enigma.js. Just
// enough to open an app and read its layout, the way a mashup shows which app it is talking to.

/** A JSON-RPC error as the engine sends it. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

interface RpcMessage {
  jsonrpc?: string;
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; parameter?: string };
}

/** One engine session: call methods on handles, then close. */
export interface EngineSession {
  call<T>(handle: number, method: string, params?: unknown): Promise<T>;
  close(): void;
  readonly closed: Promise<void>;
}

/** The handle of the Global object, on which `OpenDoc` is called. */
export const GLOBAL_HANDLE = -1;

/**
 * Opens the socket and resolves once the engine has greeted with `OnConnected` (the engine speaks
 * first; a request sent before that may be lost). Rejects if the handshake is refused (a missing
 * or wrong token: 401 before the upgrade), the socket closes first, or nothing comes in time.
 */
export function connectEngine(url: string, timeoutMs = 10_000): Promise<EngineSession> {
  const ws = new WebSocket(url);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let connected = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const session: EngineSession = {
    call<T>(handle: number, method: string, params: unknown = []) {
      return new Promise<T>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) {
          reject(new EngineError(`cannot call ${method}: the engine socket is closed`));
          return;
        }
        nextId += 1;
        const id = nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new EngineError(`${method} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, handle, method, params }));
      });
    },
    close: () => ws.close(),
    closed,
  };

  return new Promise<EngineSession>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new EngineError(`the engine did not greet within ${timeoutMs} ms`));
      ws.close();
    }, timeoutMs);
    ws.addEventListener('message', (event) => {
      let message: RpcMessage;
      try {
        message = JSON.parse(String(event.data)) as RpcMessage;
      } catch {
        return;
      }
      if (message.method === 'OnConnected' && !connected) {
        connected = true;
        clearTimeout(timer);
        resolve(session);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.error) {
        waiter.reject(new EngineError(message.error.message, message.error.code));
      } else {
        waiter.resolve(message.result);
      }
    });
    ws.addEventListener('close', (event) => {
      clearTimeout(timer);
      resolveClosed();
      const error = new EngineError(
        connected
          ? `the engine socket closed (${event.code})`
          : 'the engine refused the connection (is the token a websocket token?)',
      );
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      if (!connected) reject(error);
    });
  });
}

/** `OpenDoc` then `GetAppLayout`: the app's title as the engine reports it. */
export async function readAppTitle(session: EngineSession, appId: string): Promise<string> {
  const opened = await session.call<{ qReturn: { qHandle: number } }>(GLOBAL_HANDLE, 'OpenDoc', {
    qDocName: appId,
  });
  const { qLayout } = await session.call<{ qLayout: { qTitle: string } }>(
    opened.qReturn.qHandle,
    'GetAppLayout',
    [],
  );
  return qLayout.qTitle;
}
