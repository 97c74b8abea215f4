/**
 * Shared helpers of the emulator's contract suite: PKCE, a manual clock, the sign-in dance
 * (authorize -> login form -> code -> token) and small HTTP/JSON helpers. Every helper sends its
 * requests with `redirect: 'manual'`, as a browser-side client would, through {@link fetch}: over
 * HTTP to the real server, or (in the `handler` transport) straight to the tenant's `fetch`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import WebSocket from 'ws';
import { createTenant } from '../src/create-tenant.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/hosts/server.js';

export type { RunningEmulator };

/**
 * How the suite reaches the tenant: `server` sends HTTP to `startEmulator()`'s socket;
 * `handler` hands every HTTP request to `tenant.fetch` (no socket), while the engine WebSocket and
 * raw-socket checks still go to a server serving that same tenant.
 */
export type Transport = 'server' | 'handler';

let transport: Transport = 'server';
/** Origins whose requests go straight to a tenant's handler (the `handler` transport). */
const handlers = new Map<string, (request: Request) => Promise<Response>>();

/** Chooses the transport of this test file; call before any test runs (see test/handler/). */
export function useTransport(chosen: Transport): void {
  transport = chosen;
}

/**
 * `fetch` for the suite: a request to a tenant started in the `handler` transport is answered by
 * its `tenant.fetch`, anything else goes over the network.
 */
export function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const handler = handlers.get(new URL(request.url).origin);
  return handler ? handler(request) : globalThis.fetch(request);
}

/**
 * The contract suite's client: the default public native client `demo-native` (PKCE, no secret,
 * refresh tokens when it asks for `offline_access`), and one of its registered redirect URIs.
 */
export const CLIENT_ID = 'demo-native';
/** The default single-page-app client, which never gets `offline_access` or a refresh token. */
export const SPA_CLIENT_ID = 'demo-spa';
export const APP_ORIGIN = 'http://localhost:5173';
export const REDIRECT_URI = `${APP_ORIGIN}/callback`;
export const OTHER_ORIGIN = 'http://evil.example';

/** The default users and apps of a tenant started without a config. */
export const ADA = { id: 'user-ada', subject: 'emulator|ada', email: 'ada@example.com' };
export const ALAN = { id: 'user-alan', subject: 'emulator|alan', email: 'alan@example.com' };
export const SALES_APP = { id: 'a1b2c3d4-0001-4000-8000-000000000001', name: 'Sales Overview' };

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const IMPERSONATION = 'urn:qlik:oauth:user-impersonation';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const SESSION_COOKIE = 'qlik_emulator_session';

/** A successful `/oauth/token` body (`oauth-token-response`). */
export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_at?: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  issued_token_type?: string;
  auth_time?: number;
}

/** One entry of the Qlik `{ errors: [...] }` body. */
export interface ErrorEntry {
  code: string;
  title: string;
  detail?: string;
  status?: string;
  meta?: { error?: string };
}

/** Starts an emulator on a free port, reached through the file's transport. */
export async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  if (transport === 'server') return startEmulator({ port: 0, ...options });
  const { config, port: _port, host: _host, ...tenantOptions } = options;
  const tenant = createTenant(config, tenantOptions);
  const server = await startEmulator({ port: 0, tenant });
  const origins = [server.url, `http://127.0.0.1:${server.port}`];
  for (const origin of origins) handlers.set(origin, (request) => tenant.fetch(request));
  return {
    ...server,
    async close() {
      for (const origin of origins) handlers.delete(origin);
      await server.close();
    },
  };
}

/** A clock the test moves by hand, for expiry without sleeping. */
export interface ManualClock {
  now: () => number;
  advance(seconds: number): void;
}

export function manualClock(startMs = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance(seconds: number) {
      current += seconds * 1000;
    },
  };
}

/** A tenant with two public native clients (`demo-native`, `other-native`), for cross-client checks. */
export const TWO_PUBLIC_CLIENTS = {
  clients: [
    { clientId: CLIENT_ID, appType: 'native' as const, redirectUris: [REDIRECT_URI] },
    { clientId: 'other-native', appType: 'native' as const, redirectUris: [REDIRECT_URI] },
  ],
};

/** The emulator of the running test, on its own manual clock. */
export interface PerTest {
  emulator: RunningEmulator;
  clock: ManualClock;
  /** The emulator's URL. */
  base: string;
}

/**
 * Gives each test of the file a fresh emulator, started on a manual clock with `config` (else
 * the default config) before it and closed after it. `use` receives them before every test:
 * files keep them in their own variables.
 */
export function emulatorPerTest(
  config: EmulatorOptions['config'] | undefined,
  use: (started: PerTest) => void,
): void {
  let running: RunningEmulator | undefined;
  beforeEach(async () => {
    const clock = manualClock();
    running = await start({ now: clock.now, config });
    use({ emulator: running, clock, base: running.url });
  });
  afterEach(() => running?.close());
}

/** A random source fed from a queue, for fault probabilities. */
export function queuedRandom(values: number[]): () => number {
  return () => {
    const next = values.shift();
    if (next === undefined) throw new Error('queuedRandom ran out of values');
    return next;
  };
}

/** PKCE pair per RFC 7636: a 43-character verifier and its S256 challenge. */
export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: challengeOf(verifier) };
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Reads a JSON body. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(
      `expected a JSON body from ${res.url} (${res.status}), got: ${text.slice(0, 200)}`,
    );
  }
}

/**
 * Asserts a refusal with the documented status and the Qlik `{ errors: [...] }` body, and that
 * nothing of a stack trace leaks. Returns the first error entry.
 */
export async function expectError(
  res: Response,
  status: number,
  code?: string,
): Promise<ErrorEntry> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(text).not.toMatch(/\bat .+:\d+:\d+|node:internal|Error: /);
  const body = JSON.parse(text) as { errors?: ErrorEntry[] };
  expect(Array.isArray(body.errors)).toBe(true);
  expect(body.errors!.length).toBeGreaterThan(0);
  const entry = body.errors![0]!;
  expect(typeof entry.code).toBe('string');
  expect(typeof entry.title).toBe('string');
  expect(entry.status).toBe(String(status));
  if (code !== undefined) expect(entry.code).toBe(code);
  return entry;
}

/** Asserts an OAuth refusal and its RFC 6749 error name in `meta.error`. */
export async function expectOAuthError(
  res: Response,
  status: number,
  error: string,
): Promise<ErrorEntry> {
  const entry = await expectError(res, status);
  expect(entry.meta?.error, entry.detail).toBe(error);
  expect(typeof entry.detail).toBe('string');
  return entry;
}

/** The parameters of an authorization request, with every required one filled in. */
export function authorizeParams(
  challenge: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'user_default offline_access',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
}

/** `/oauth/authorize?...` with undefined parameters left out. */
export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL('/oauth/authorize', base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url.href;
}

/** GET /oauth/authorize without following redirects. */
export function getAuthorize(
  base: string,
  params: Record<string, string | undefined>,
  cookie?: string,
): Promise<Response> {
  return fetch(authorizeUrl(base, params), {
    redirect: 'manual',
    headers: cookie ? { cookie } : {},
  });
}

/** The Location of a 302, as a URL. */
export function redirectTarget(res: Response): URL {
  expect(res.status).toBe(302);
  const location = res.headers.get('location');
  expect(location).toBeTruthy();
  return new URL(location!);
}

/** The login page's hidden transaction id. */
export function transactionOf(html: string): string {
  const match = /name="transaction" value="([^"]+)"/.exec(html);
  expect(match, 'the login page carries a transaction').toBeTruthy();
  return match![1]!;
}

/** The emulator session cookie (`name=value`) a response sets, if any. */
export function sessionCookieOf(res: Response): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0]!;
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}

/** POSTs the login page's form. */
export function postLogin(
  base: string,
  fields: Record<string, string>,
  cookie?: string,
): Promise<Response> {
  return fetch(new URL('/oauth/authorize/login', base), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

export interface CodeOptions {
  scope?: string;
  user?: string;
  cookie?: string;
  extra?: Record<string, string | undefined>;
}

export interface CodeResult {
  code: string;
  state: string;
  verifier: string;
  redirectUri: string;
  /** The session cookie after sign-in (new or the one passed in). */
  cookie: string | undefined;
  /** Whether the login page was shown on the way. */
  sawLoginPage: boolean;
}

/**
 * Drives the browser part of the flow: authorize, then (when the login page appears) picks a
 * user and submits the form, and returns the code from the final redirect.
 */
export async function getCode(base: string, options: CodeOptions = {}): Promise<CodeResult> {
  const { verifier, challenge } = pkce();
  const params = authorizeParams(challenge, {
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    ...options.extra,
  });
  let res = await getAuthorize(base, params, options.cookie);
  let cookie = options.cookie;
  let sawLoginPage = false;
  if (res.status === 200) {
    sawLoginPage = true;
    const html = await res.text();
    res = await postLogin(
      base,
      { transaction: transactionOf(html), user: options.user ?? ADA.id, action: 'allow' },
      cookie,
    );
  }
  cookie = sessionCookieOf(res) ?? cookie;
  const target = redirectTarget(res);
  expect(target.searchParams.get('error'), target.href).toBeNull();
  expect(target.searchParams.get('state')).toBe(params.state);
  const code = target.searchParams.get('code');
  expect(code).toBeTruthy();
  return {
    code: code!,
    state: params.state!,
    verifier,
    redirectUri: `${target.origin}${target.pathname}`,
    cookie,
    sawLoginPage,
  };
}

/** POST /oauth/token, JSON by default or form-encoded. */
export function postToken(
  base: string,
  body: Record<string, unknown>,
  options: { form?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  return post(base, '/oauth/token', body, options);
}

/** POST /oauth/revoke. */
export function postRevoke(
  base: string,
  body: Record<string, unknown>,
  options: { form?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  return post(base, '/oauth/revoke', body, options);
}

function post(
  base: string,
  path: string,
  body: Record<string, unknown>,
  options: { form?: boolean; headers?: Record<string, string> },
): Promise<Response> {
  const encoded = options.form
    ? new URLSearchParams(
        Object.entries(body).map(([key, value]) => [key, String(value)] as [string, string]),
      ).toString()
    : JSON.stringify(body);
  return fetch(new URL(path, base), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
      ...options.headers,
    },
    body: encoded,
  });
}

/** Redeems a code as the default public client. */
export function redeem(
  base: string,
  code: Pick<CodeResult, 'code' | 'verifier' | 'redirectUri'>,
  overrides: Record<string, unknown> = {},
): Promise<Response> {
  return postToken(base, {
    grant_type: 'authorization_code',
    code: code.code,
    code_verifier: code.verifier,
    redirect_uri: code.redirectUri,
    client_id: CLIENT_ID,
    ...overrides,
  });
}

export interface SignIn extends CodeResult {
  tokens: TokenBody;
}

/** The whole sign-in: authorize -> login form -> code -> token. */
export async function signIn(base: string, options: CodeOptions = {}): Promise<SignIn> {
  const code = await getCode(base, options);
  const res = await redeem(base, code);
  const tokens = await json<TokenBody>(res);
  expect(res.status, JSON.stringify(tokens)).toBe(200);
  return { ...code, tokens };
}

/** The refresh grant as the default public client. */
export function refresh(base: string, refreshToken: string): Promise<Response> {
  return postToken(base, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLIENT_ID,
  });
}

/** Token exchange of an access token for a purpose token. */
export function exchange(
  base: string,
  subjectToken: string,
  purpose: string,
  overrides: Record<string, unknown> = {},
): Promise<Response> {
  return postToken(base, {
    grant_type: TOKEN_EXCHANGE,
    client_id: CLIENT_ID,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    purpose,
    ...overrides,
  });
}

/** A purpose token, asserting the exchange succeeded. */
export async function purposeToken(base: string, accessToken: string, purpose: string) {
  const res = await exchange(base, accessToken, purpose);
  const body = await json<TokenBody>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token;
}

/** GET /api/v1/users/me with a Bearer token. */
export function getMe(base: string, accessToken: string): Promise<Response> {
  return fetch(new URL('/api/v1/users/me', base), {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

/** A call to the `/__emulator/` control API. */
export function controlApi(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(new URL(`/__emulator${path}`, base), {
    method,
    redirect: 'manual',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

/** A control API call that must succeed; returns its JSON body. */
export async function controlOk<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await controlApi(base, method, path, body);
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return (text ? JSON.parse(text) : {}) as T;
}

/** The engine WebSocket URL of an app. */
export function engineUrl(base: string, appId: string, accessToken?: string): string {
  const url = new URL(`/app/${appId}`, base.replace(/^http/, 'ws'));
  if (accessToken !== undefined) url.searchParams.set('accessToken', accessToken);
  return url.href;
}

/**
 * Opens a WebSocket and reports the handshake's outcome: 101 when it opened (the socket is then
 * closed), otherwise the HTTP status and body the server refused it with.
 */
export function handshake(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', (error) => reject(error));
  });
}

/**
 * Sends raw bytes to the server on loopback and resolves with everything it answers: for what
 * `fetch` will not send (another Host header, a malformed request line). Always over the socket,
 * whatever the transport: these check the Node server itself.
 */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

/** Opens a WebSocket and resolves with the close code and reason the server ends it with. */
export function closeOf(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on('unexpected-response', (_req, res) =>
      reject(new Error(`the handshake was refused with ${res.statusCode}`)),
    );
    socket.on('error', (error) => reject(error));
  });
}
