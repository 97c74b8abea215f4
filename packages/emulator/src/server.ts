import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RUNTIME_SETTINGS,
  resolveConfig,
  validateSetting,
  ConfigError,
  type EmulatorConfig,
} from './config.js';
import { Control, parseFault, type RequestLogEntry } from './control.js';
import { createEngine } from './engine.js';
import { HttpError, apiError, oauthError, rfcErrorName, type OAuthErrorName } from './errors.js';
import {
  basicCredentials,
  bearer,
  cookie,
  methodNotAllowed,
  readParams,
  readText,
  redirect,
  safeDecode,
  requireParam,
  sendHtml,
  sendJson,
  stringParam,
  type Params,
} from './http.js';
import { loginPage } from './login-page.js';
import {
  ACCESS_TOKEN_TYPE,
  DEFAULT_CLIENT_SCOPES,
  Tenant,
  randomId,
  type LoginSession,
  type PendingAuthorization,
  type Purpose,
} from './tenant.js';
import { thumbnailSvg } from './thumbnail.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Loopback address to listen on. Default 127.0.0.1 (and ::1 when available). */
  host?: string;
  /** A full config, a partial one merged over the defaults, or nothing for the defaults. */
  config?: Partial<EmulatorConfig> | EmulatorConfig;
  /** Serve the `/__emulator/` control API. Default true. */
  controls?: boolean;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
  /** Random source for fault probabilities, for tests. */
  random?: () => number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://localhost:8787`. */
  url: string;
  port: number;
  tenant: Tenant;
  control: Control;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'qlik_emulator_session';
const PENDING_TTL_MS = 10 * 60 * 1000;
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
  const initialConfig = () => resolveConfig(options.config ?? {});
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

  function sessionOf(req: IncomingMessage): LoginSession | undefined {
    const id = cookie(req, SESSION_COOKIE);
    return id ? tenant.sessions.get(id) : undefined;
  }

  /** RFC 6749 section 4.1.2.1 error redirect, with Qlik's `error_code` and `error_detail`. */
  function errorRedirect(
    res: ServerResponse,
    redirectUri: string,
    state: string | undefined,
    name: OAuthErrorName,
    detail: string,
  ): void {
    const { entry } = oauthError(400, name, detail);
    const target = new URL(redirectUri);
    target.searchParams.set('error', rfcErrorName(name));
    target.searchParams.set('error_description', detail);
    target.searchParams.set('error_code', entry.code);
    target.searchParams.set('error_detail', detail);
    if (state !== undefined) target.searchParams.set('state', state);
    redirect(res, target.href);
  }

  function completeAuthorization(
    res: ServerResponse,
    pending: PendingAuthorization,
    session: LoginSession,
    headers: Record<string, string> = {},
  ): void {
    session.consented.add(pending.clientId);
    const code = tenant.issueCode(pending, session);
    const target = new URL(pending.redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', pending.state);
    redirect(res, target.href, headers);
  }

  function startSession(userId: string): {
    session: LoginSession;
    headers: Record<string, string>;
  } {
    const session: LoginSession = {
      id: randomId(24),
      userId,
      authTime: tenant.now(),
      consented: new Set(),
    };
    tenant.sessions.set(session.id, session);
    return {
      session,
      headers: { 'set-cookie': `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax` },
    };
  }

  /** GET /oauth/authorize */
  function authorize(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const query = url.searchParams;
    const repeated = [...new Set(query.keys())].filter((key) => query.getAll(key).length > 1);
    for (const key of ['client_id', 'redirect_uri']) {
      if (repeated.includes(key))
        throw oauthError(400, 'invalid_request', `parameter ${key} is repeated`);
    }
    // Without a known client and a registered redirect URI there is nowhere safe to redirect to.
    const clientId = query.get('client_id');
    const client = tenant.client(clientId ?? undefined);
    if (!client) throw oauthError(400, 'invalid_request', 'client_id is missing or unknown');
    const rawRedirect = query.get('redirect_uri');
    if (!rawRedirect) throw oauthError(400, 'invalid_request', 'redirect_uri is required');
    let redirectUri: string;
    try {
      redirectUri = new URL(rawRedirect, issuerOf(req)).href;
    } catch {
      throw oauthError(400, 'invalid_request', 'redirect_uri is not a URL');
    }
    if (!client.redirectUris.includes(redirectUri)) {
      throw oauthError(400, 'invalid_request', 'redirect_uri is not registered for this client');
    }
    // A repeated state cannot be echoed back faithfully, so it is left out of the error redirect.
    const state = repeated.includes('state') ? undefined : (query.get('state') ?? undefined);
    const fail = (name: OAuthErrorName, detail: string) =>
      errorRedirect(res, redirectUri, state, name, detail);

    // RFC 6749 section 4.1.2.1: a repeated parameter is an invalid_request, redirected like the rest.
    if (repeated.length) return fail('invalid_request', `parameter ${repeated[0]} is repeated`);
    if (query.get('response_type') !== 'code') {
      return fail('unsupported_response_type', 'response_type must be code');
    }
    if (!state) return fail('invalid_request', 'state is required');
    if (query.get('code_challenge_method') !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256');
    }
    const codeChallenge = query.get('code_challenge');
    if (!codeChallenge || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
    }
    const scope = query.get('scope')?.trim();
    if (!scope) return fail('invalid_request', 'scope is required');
    const allowed = client.scopes ?? DEFAULT_CLIENT_SCOPES;
    const requested = scope.split(/\s+/);
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length)
      return fail('invalid_scope', `scope not allowed for this client: ${unknown.join(' ')}`);
    const prompt = query.get('prompt') ?? undefined;
    if (prompt !== undefined && !['none', 'login', 'consent'].includes(prompt)) {
      return fail('invalid_request', 'prompt must be none, login or consent');
    }
    const rawMaxAge = query.get('max_age');
    const maxAge = rawMaxAge === null ? undefined : Number(rawMaxAge);
    if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
      return fail('invalid_request', 'max_age must be a non-negative number');
    }
    const loginHint = query.get('login_hint') ?? undefined;

    const pending: PendingAuthorization = {
      id: randomId(16),
      clientId: client.clientId,
      redirectUri,
      scope: [...new Set(requested)].join(' '),
      state,
      codeChallenge,
      expiresAt: tenant.now() + PENDING_TTL_MS,
      ...(prompt ? { prompt } : {}),
      ...(loginHint ? { loginHint } : {}),
    };

    let session = sessionOf(req);
    if (session && !tenant.user(session.userId)) session = undefined;
    const fresh =
      session !== undefined &&
      (maxAge === undefined || tenant.now() - session.authTime <= maxAge * 1000);
    const hinted = tenant.findUser(loginHint);
    const sessionMatchesHint = !hinted || session?.userId === hinted.id;

    if (prompt === 'none') {
      if (!session || !fresh) return fail('login_required', 'the user is not signed in');
      if (!sessionMatchesHint)
        return fail('login_required', 'the signed-in user is not the hinted one');
      if (!session.consented.has(client.clientId))
        return fail('consent_required', 'the user has not consented');
      return completeAuthorization(res, pending, session);
    }
    if (session && fresh && sessionMatchesHint && prompt !== 'login') {
      if (prompt !== 'consent' && session.consented.has(client.clientId)) {
        return completeAuthorization(res, pending, session);
      }
      if (tenant.config.autoApprove) return completeAuthorization(res, pending, session);
      pending.consentOnly = true;
      tenant.pending.set(pending.id, pending);
      return sendHtml(
        res,
        200,
        loginPage({
          transaction: pending.id,
          clientId: client.clientId,
          scope: pending.scope,
          users: tenant.config.users,
          consentFor: tenant.user(session.userId)!,
        }),
      );
    }
    if (tenant.config.autoApprove) {
      const user =
        hinted ?? tenant.config.users.find((u) => !u.disabled) ?? tenant.config.users[0]!;
      const { session: created, headers } = startSession(user.id);
      return completeAuthorization(res, pending, created, headers);
    }
    tenant.pending.set(pending.id, pending);
    sendHtml(
      res,
      200,
      loginPage({
        transaction: pending.id,
        clientId: client.clientId,
        scope: pending.scope,
        users: tenant.config.users,
        selected: hinted?.id ?? session?.userId ?? '',
      }),
    );
  }

  /** POST /oauth/authorize/login: the login page's form. */
  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = await readParams(req);
    const id = stringParam(params, 'transaction');
    const pending = id ? tenant.pending.get(id) : undefined;
    if (!pending || pending.expiresAt <= tenant.now()) {
      if (id) tenant.pending.delete(id);
      throw oauthError(
        400,
        'invalid_request',
        'the sign-in transaction is unknown or has expired; start again',
      );
    }
    const page = (message: string) =>
      sendHtml(
        res,
        400,
        loginPage({
          transaction: pending.id,
          clientId: pending.clientId,
          scope: pending.scope,
          users: tenant.config.users,
          message,
        }),
      );
    if (stringParam(params, 'action') === 'deny') {
      tenant.pending.delete(pending.id);
      return errorRedirect(
        res,
        pending.redirectUri,
        pending.state,
        'access_denied',
        'the user denied access',
      );
    }
    const typed = stringParam(params, 'typed')?.trim();
    let user = typed ? tenant.findUser(typed) : tenant.user(stringParam(params, 'user') ?? '');
    if (!user && typed) {
      if (!/^[^\s@]+@[^\s@]+$/.test(typed)) return page('Type an email address, or pick a user.');
      // A typed email that no user has yet becomes a new user, as a first sign-in would.
      user = {
        id: `user-${randomId(6)}`,
        subject: `emulator|${typed}`,
        name: typed.split('@')[0]!,
        email: typed,
      };
      tenant.config.users.push(user);
    }
    if (!user) return page('Pick a user or type an email.');
    tenant.pending.delete(pending.id);
    if (user.disabled) {
      return errorRedirect(
        res,
        pending.redirectUri,
        pending.state,
        'access_denied',
        'the user is disabled',
      );
    }
    // Only a consent page keeps the current session; a login page is a new sign-in, so a new
    // session (and a new auth_time, which max_age checks) starts.
    const current = sessionOf(req);
    if (current && current.userId === user.id && pending.consentOnly) {
      return completeAuthorization(res, pending, current);
    }
    const { session, headers } = startSession(user.id);
    completeAuthorization(res, pending, session, headers);
  }

  /** POST /oauth/token: all five grants of the OpenAPI. */
  async function token(
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
  ): Promise<void> {
    const params = await readParams(req);
    const grantType = requireParam(params, 'grant_type');
    entry.grantType = grantType;
    const basic = basicCredentials(req);
    const clientId = basic?.clientId ?? stringParam(params, 'client_id');
    const secret = basic?.clientSecret ?? stringParam(params, 'client_secret');
    if (clientId) entry.clientId = clientId;
    if (params.client_assertion !== undefined) {
      throw oauthError(400, 'invalid_request', 'client_assertion is not supported by the emulator');
    }
    const issuer = issuerOf(req);
    const send = (body: unknown) => sendJson(res, 200, body, cors(req));
    // Client credentials may come in the body or as HTTP Basic (client_secret_basic).
    const requireClientId = () => {
      if (!clientId) throw oauthError(400, 'invalid_request', 'client_id is required');
    };
    const requireSecret = () => {
      requireClientId();
      if (!secret) throw oauthError(400, 'invalid_request', 'client_secret is required');
    };
    // A confidential grant may ask only for scopes assigned to the client (default user_default).
    const clientScope = (client: { scopes?: string[] }): string => {
      const requested = (stringParam(params, 'scope') ?? 'user_default')
        .split(/\s+/)
        .filter(Boolean);
      if (!requested.length) return 'user_default';
      const allowed = client.scopes ?? DEFAULT_CLIENT_SCOPES;
      const unknown = requested.filter((s) => !allowed.includes(s));
      if (unknown.length) {
        throw oauthError(
          400,
          'invalid_scope',
          `scope not allowed for this client: ${unknown.join(' ')}`,
        );
      }
      return [...new Set(requested)].join(' ');
    };

    switch (grantType) {
      case 'authorization_code': {
        const code = requireParam(params, 'code');
        const verifier = requireParam(params, 'code_verifier');
        const redirectUri = requireParam(params, 'redirect_uri');
        requireClientId();
        const client = tenant.authenticateClient(clientId, secret);
        let resolved: string;
        try {
          resolved = new URL(redirectUri, issuer).href;
        } catch {
          throw oauthError(400, 'invalid_request', 'redirect_uri is not a URL');
        }
        return send(await tenant.redeemCode(issuer, client, code, verifier, resolved));
      }
      case 'refresh_token': {
        const refreshToken = requireParam(params, 'refresh_token');
        if (clientId) tenant.authenticateClient(clientId, secret);
        try {
          const { response } = await tenant.refresh(issuer, clientId, refreshToken);
          return send(response);
        } catch (error) {
          if ((error as { reuseDetected?: boolean }).reuseDetected) entry.reuseDetected = true;
          throw error;
        }
      }
      case 'urn:ietf:params:oauth:grant-type:token-exchange': {
        requireClientId();
        const subjectToken = requireParam(params, 'subject_token');
        const subjectType = requireParam(params, 'subject_token_type');
        const purpose = requireParam(params, 'purpose');
        if (subjectType !== ACCESS_TOKEN_TYPE) {
          throw oauthError(
            400,
            'invalid_request',
            `subject_token_type must be ${ACCESS_TOKEN_TYPE}`,
          );
        }
        if (purpose !== 'websocket' && purpose !== 'webresource') {
          throw oauthError(400, 'invalid_request', 'purpose must be websocket or webresource');
        }
        entry.purpose = purpose;
        const client = tenant.authenticateClient(clientId, secret);
        return send(await tenant.exchange(issuer, client, subjectToken, purpose as Purpose));
      }
      case 'client_credentials': {
        requireSecret();
        const client = tenant.authenticateClient(clientId, secret);
        const scope = clientScope(client);
        const ttl = tenant.config.accessTokenTtlSeconds;
        const { token: accessToken, record } = await tenant.issueAccessToken(
          issuer,
          { clientId: client.clientId, scope },
          ttl,
        );
        return send({
          access_token: accessToken,
          token_type: 'bearer',
          ...tenant.expiry(record.expiresAt, ttl),
          scope,
        });
      }
      case 'urn:qlik:oauth:user-impersonation': {
        requireSecret();
        let lookup = params.user_lookup;
        if (typeof lookup === 'string') {
          try {
            lookup = JSON.parse(lookup);
          } catch {
            throw oauthError(400, 'invalid_request', 'user_lookup must be an object');
          }
        }
        const field = (lookup as Params | undefined)?.field;
        const value = (lookup as Params | undefined)?.value;
        if ((field !== 'subject' && field !== 'userId') || typeof value !== 'string' || !value) {
          throw oauthError(
            400,
            'invalid_request',
            'user_lookup needs field (subject or userId) and value',
          );
        }
        const client = tenant.authenticateClient(clientId, secret);
        if (!client.allowImpersonation) {
          throw oauthError(400, 'unauthorized_client', 'this client may not impersonate users');
        }
        const user = tenant.config.users.find(
          (u) => (field === 'subject' ? u.subject : u.id) === value,
        );
        if (!user) throw oauthError(400, 'invalid_request', 'no user matches user_lookup');
        const scope = clientScope(client);
        tenant.assertUserMayGetTokens(user.id, true);
        const { response } = await tenant.issueGrant(issuer, {
          userId: user.id,
          clientId: client.clientId,
          scope,
        });
        return send(response);
      }
      default:
        throw oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
  }

  /** POST /oauth/revoke (RFC 7009). */
  async function revoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = await readParams(req);
    const value = requireParam(params, 'token');
    const hint = stringParam(params, 'token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw oauthError(
        400,
        'invalid_request',
        'token_type_hint must be access_token or refresh_token',
      );
    }
    await tenant.revoke(value);
    sendJson(res, 200, {}, cors(req));
  }

  async function requireUserToken(req: IncomingMessage) {
    const value = bearer(req);
    const record = value ? await tenant.verifyAccessToken(value, undefined) : undefined;
    if (!record)
      throw apiError(401, 'HTTP-401', 'Unauthorized', 'a valid Bearer access token is required');
    return record;
  }

  /** `/api/v1/...`: what a signed-in app reads. */
  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const thumbnail = /^\/api\/v1\/apps\/([^/]+)\/media\/thumbnail$/.exec(path);
    if (thumbnail) {
      if (req.method !== 'GET') methodNotAllowed('GET');
      const value = url.searchParams.get('accessToken') ?? bearer(req);
      // Only a webresource-purpose token opens a web resource.
      const record = value ? await tenant.verifyAccessToken(value, 'webresource') : undefined;
      if (!record)
        throw apiError(401, 'HTTP-401', 'Unauthorized', 'a webresource accessToken is required');
      const app = tenant.config.apps.find((a) => a.id === safeDecode(thumbnail[1]!));
      if (!app) throw apiError(404, 'HTTP-404', 'Not found', 'no such app');
      const svg = thumbnailSvg(app);
      res.writeHead(200, {
        ...cors(req),
        'content-type': 'image/svg+xml',
        'cache-control': 'private, max-age=60',
        'content-length': Buffer.byteLength(svg),
      });
      res.end(svg);
      return;
    }
    if (req.method !== 'GET') methodNotAllowed('GET');
    const record = await requireUserToken(req);
    if (path === '/api/v1/users/me') {
      const user = record.userId ? tenant.user(record.userId) : undefined;
      if (!user) throw apiError(404, 'HTTP-404', 'Not found', 'the token has no user');
      return sendJson(
        res,
        200,
        {
          id: user.id,
          tenantId: tenant.tenantId,
          subject: user.subject,
          name: user.name,
          email: user.email,
          status: 'active',
          roles: ['TenantAdmin'],
        },
        cors(req),
      );
    }
    if (path === '/api/v1/items') {
      const type = url.searchParams.get('resourceType');
      const apps = type === null || type === 'app' ? tenant.config.apps : [];
      const origin = issuerOf(req);
      return sendJson(
        res,
        200,
        {
          data: apps.map((app) => ({
            id: `item-${app.id}`,
            resourceId: app.id,
            resourceType: 'app',
            name: app.name,
            description: app.description ?? '',
            thumbnail: `${origin}/api/v1/apps/${app.id}/media/thumbnail`,
          })),
          links: { self: { href: `${origin}${path}${url.search}` } },
        },
        cors(req),
      );
    }
    throw apiError(404, 'HTTP-404', 'Not found', `no API at ${path}`);
  }

  /** `/__emulator/...`: the control API for tests. */
  async function controlApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice('/__emulator'.length);
    const method = req.method ?? 'GET';
    const body = async (): Promise<unknown> => {
      const text = await readText(req);
      if (!text) return {};
      try {
        return JSON.parse(text);
      } catch {
        throw apiError(400, 'EMULATOR-2', 'Invalid JSON', 'the body is not valid JSON');
      }
    };
    const open = { 'access-control-allow-origin': '*' };
    if (path === '/requests') {
      if (method === 'GET') return sendJson(res, 200, { data: control.log }, open);
      if (method === 'DELETE') {
        control.log.length = 0;
        return sendJson(res, 200, { data: [] }, open);
      }
      methodNotAllowed('GET, DELETE');
    }
    if (path === '/stats') {
      if (method !== 'GET') methodNotAllowed('GET');
      return sendJson(res, 200, { ...tenant.stats }, open);
    }
    if (path === '/config') {
      if (method === 'GET') return sendJson(res, 200, tenant.config, open);
      if (method === 'PATCH') {
        const changes = await body();
        if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
          throw apiError(400, 'EMULATOR-3', 'Invalid config', 'send a JSON object');
        }
        const updates: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(changes)) {
          if (!(RUNTIME_SETTINGS as readonly string[]).includes(key)) {
            throw apiError(400, 'EMULATOR-3', 'Invalid config', `${key} cannot change at run time`);
          }
          try {
            updates[key] = validateSetting(key as (typeof RUNTIME_SETTINGS)[number], value);
          } catch (error) {
            throw apiError(400, 'EMULATOR-3', 'Invalid config', (error as Error).message);
          }
        }
        Object.assign(tenant.config, updates);
        return sendJson(res, 200, tenant.config, open);
      }
      methodNotAllowed('GET, PATCH');
    }
    if (path === '/faults') {
      if (method === 'GET') return sendJson(res, 200, { data: control.faults }, open);
      if (method === 'POST') {
        const fault = parseFault(await body());
        control.faults.push(fault);
        return sendJson(res, 201, fault, open);
      }
      if (method === 'DELETE') {
        control.faults = [];
        return sendJson(res, 200, { data: [] }, open);
      }
      methodNotAllowed('GET, POST, DELETE');
    }
    const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
    if (faultId) {
      if (method !== 'DELETE') methodNotAllowed('DELETE');
      const before = control.faults.length;
      control.faults = control.faults.filter((f) => f.id !== faultId);
      if (control.faults.length === before)
        throw apiError(404, 'HTTP-404', 'Not found', 'no such fault');
      res.writeHead(204, open);
      return void res.end();
    }
    const userAction = /^\/users\/([^/]+)\/(revoke|disable|enable)$/.exec(path);
    if (userAction) {
      if (method !== 'POST') methodNotAllowed('POST');
      const user = tenant.user(safeDecode(userAction[1]!) ?? '');
      if (!user) throw apiError(404, 'HTTP-404', 'Not found', 'no such user');
      if (userAction[2] === 'revoke') {
        return sendJson(res, 200, { revokedGrants: tenant.revokeUser(user.id) }, open);
      }
      user.disabled = userAction[2] === 'disable';
      return sendJson(res, 200, user, open);
    }
    if (path === '/reset') {
      if (method !== 'POST') methodNotAllowed('POST');
      tenant.reset(initialConfig());
      control.reset();
      return sendJson(res, 200, { reset: true }, open);
    }
    throw apiError(404, 'HTTP-404', 'Not found', `no control endpoint at ${url.pathname}`);
  }

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
