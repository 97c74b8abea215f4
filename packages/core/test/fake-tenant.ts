/**
 * A small in-process Qlik Cloud tenant for unit tests: discovery, the authorize redirect, the
 * token endpoint (authorization_code with PKCE; refresh_token with rotation and reuse detection;
 * RFC 8693 token exchange for purpose tokens) and revocation, answering like packages/emulator
 * does (`expires_at` ISO strings, `{ errors: [...] }` bodies with `meta.error`). It is the
 * injected `fetch`, and it records every request it sees.
 */

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  /** Form or JSON body parameters. */
  params: Record<string, string>;
  headers: Record<string, string>;
  /** `location.href` at the moment the request was sent. */
  addressBar: string;
}

/**
 * A canned answer for the next request to a path: a Response, 'drop' (connection reset), or
 * 'pass' (the tenant's own answer, to let one request through a queue of faults).
 */
export type Fault = Response | 'drop' | 'pass' | (() => Response | Promise<Response>);

export interface FakeTenantOptions {
  origin?: string;
  clientId?: string;
  now: () => number;
  accessTokenTtlSeconds?: number;
  /** Which expiry fields token responses carry; the emulator's default is `expires_at`. */
  expiryFields?: 'expires_at' | 'expires_in' | 'both';
  /** Issue a refresh token (offline_access). Default true. */
  refreshTokens?: boolean;
  /** Issue a new refresh token on every refresh, and revoke the grant when an old one is reused. */
  rotateRefreshTokens?: boolean;
  /** Lifetime of refresh tokens. Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Lifetime of purpose tokens (never longer than their subject token's). Default 300. */
  purposeTokenTtlSeconds?: number;
  /** How far the tenant's clock is ahead of the client's (negative: behind). Default 0. */
  clockOffsetMs?: number;
  /** Issue opaque access tokens instead of JWTs (so no `iat` to learn the tenant's clock from). */
  opaqueTokens?: boolean;
  /** Send a `Date` header with token responses (readable same-origin, or with CORS exposing it). */
  dateHeader?: boolean;
}

/** A token the tenant issued, and what it knows about it. */
interface Issued {
  grant: Grant;
  expiresAt: number;
  purpose?: string;
  revoked?: boolean;
}

/** One sign-in: every token refreshed or exchanged from it belongs to it. */
interface Grant {
  scope: string;
  revoked: boolean;
  /** The `sub` of the user who signed in. */
  subject: string;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A Qlik error body, as the emulator's `oauthError` builds it. */
export function qlikError(status: number, error: string, detail: string): Response {
  return json(status, {
    errors: [
      { code: 'OAUTH-3', title: 'Invalid grant', detail, status: String(status), meta: { error } },
    ],
  });
}

const b64url = (value: string) =>
  btoa(value).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

async function sha256(value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
  );
  return b64url(String.fromCharCode(...digest));
}

export function createFakeTenant(input: FakeTenantOptions) {
  /** The tenant's own clock. */
  const options = { ...input, now: () => input.now() + (input.clockOffsetMs ?? 0) };
  const origin = options.origin ?? 'https://tenant.eu.qlikcloud.com';
  const clientId = options.clientId ?? 'spa-client';
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const codes = new Map<
    string,
    { redirectUri: string; challenge: string; scope: string; used: boolean; subject: string }
  >();
  const accessTokens = new Map<string, Issued>();
  /** Every refresh token issued, in order. */
  const refreshTokens = new Set<string>();
  const refreshState = new Map<string, Issued & { used: boolean }>();
  const stats = { refreshes: 0, exchanges: 0, reuseDetections: 0 };
  const revoked: { token: string; hint?: string }[] = [];
  let counter = 0;

  const metadata = {
    issuer: origin,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    revocation_endpoint: `${origin}/oauth/revoke`,
    grant_types_supported: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
    response_types_supported: ['code'],
  };

  function accessToken(grant: Grant, ttlSeconds: number, purpose?: string): string {
    counter += 1;
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }));
    const iat = Math.floor(options.now() / 1000);
    const claims = b64url(
      // UTF-8, as a JWT is (RFC 7519 section 7.2).
      String.fromCharCode(
        ...new TextEncoder().encode(
          JSON.stringify({
            sub: grant.subject,
            userId: `user-${grant.subject.split('|').at(-1)}`,
            tenantId: 'tenant-1',
            iat,
            exp: iat + ttlSeconds,
            jti: `at-${counter}`,
            ...(purpose ? { purpose } : {}),
          }),
        ),
      ),
    );
    const token = input.opaqueTokens
      ? `opaque-${counter}-${purpose ?? 'access'}`
      : `${header}.${claims}.signature-${counter}`;
    accessTokens.set(token, { grant, expiresAt: options.now() + ttlSeconds * 1000, purpose });
    return token;
  }

  /** A token response, with the tenant's `Date` header when configured. */
  const tokenJson = (body: unknown) =>
    json(200, body, input.dateHeader ? { date: new Date(options.now()).toUTCString() } : {});

  /** The expiry fields of a token response, as configured. */
  function expiry(ttlSeconds: number) {
    const mode = options.expiryFields ?? 'expires_at';
    const expiresAt = options.now() + ttlSeconds * 1000;
    return {
      ...(mode !== 'expires_in' ? { expires_at: new Date(expiresAt).toISOString() } : {}),
      ...(mode !== 'expires_at' ? { expires_in: ttlSeconds } : {}),
    };
  }

  function tokenResponse(grant: Grant) {
    const body: Record<string, unknown> = {
      access_token: accessToken(grant, ttl),
      token_type: 'bearer',
      scope: grant.scope,
      ...expiry(ttl),
    };
    if (options.refreshTokens !== false && grant.scope.split(' ').includes('offline_access')) {
      counter += 1;
      const refreshToken = `rt-${counter}-secret-refresh-token`;
      refreshTokens.add(refreshToken);
      refreshState.set(refreshToken, {
        grant,
        used: false,
        expiresAt: options.now() + (options.refreshTokenTtlSeconds ?? 30 * 86400) * 1000,
      });
      body.refresh_token = refreshToken;
    }
    return tokenJson(body);
  }

  /** The refresh_token grant (RFC 6749 section 6), rotating, with reuse detection like Qlik's. */
  function refresh(params: Record<string, string>): Response {
    const record = refreshState.get(params.refresh_token ?? '');
    if (!record) return qlikError(401, 'invalid_grant', 'the refresh token is invalid');
    if (record.used) {
      record.grant.revoked = true;
      stats.reuseDetections += 1;
      return qlikError(
        401,
        'invalid_grant',
        'the refresh token was already used; its grant is revoked',
      );
    }
    if (record.grant.revoked)
      return qlikError(401, 'invalid_grant', 'the refresh token has been revoked');
    if (record.expiresAt <= options.now()) {
      return qlikError(401, 'invalid_grant', 'the refresh token has expired');
    }
    stats.refreshes += 1;
    if (options.rotateRefreshTokens === false) {
      return tokenJson({
        access_token: accessToken(record.grant, ttl),
        token_type: 'bearer',
        scope: record.grant.scope,
        ...expiry(ttl),
      });
    }
    record.used = true;
    return tokenResponse(record.grant);
  }

  /** The live, unrevoked token `token` for `purpose` (undefined: a plain access token). */
  function live(token: string | undefined, purpose?: string): Issued | undefined {
    const record = accessTokens.get(token ?? '');
    const ok =
      record &&
      !record.revoked &&
      !record.grant.revoked &&
      record.expiresAt > options.now() &&
      record.purpose === purpose;
    return ok ? record : undefined;
  }

  /** RFC 8693 token exchange for a Qlik purpose token. */
  function exchange(params: Record<string, string>): Response {
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      return qlikError(400, 'invalid_request', 'subject_token_type must be an access token');
    }
    if (params.purpose !== 'websocket' && params.purpose !== 'webresource') {
      return qlikError(400, 'invalid_request', 'purpose must be websocket or webresource');
    }
    const subject = live(params.subject_token);
    if (!subject) return qlikError(401, 'invalid_grant', 'subject_token is invalid or expired');
    stats.exchanges += 1;
    const ttlSeconds = Math.min(
      options.purposeTokenTtlSeconds ?? 300,
      Math.max(1, Math.floor((subject.expiresAt - options.now()) / 1000)),
    );
    return tokenJson({
      access_token: accessToken(subject.grant, ttlSeconds, params.purpose),
      token_type: 'bearer',
      scope: subject.grant.scope,
      issued_token_type: ACCESS_TOKEN_TYPE,
      ...expiry(ttlSeconds),
    });
  }

  async function token(params: Record<string, string>): Promise<Response> {
    if (params.client_id !== clientId) return qlikError(401, 'invalid_client', 'unknown client_id');
    if (params.grant_type === 'refresh_token') return refresh(params);
    if (params.grant_type === TOKEN_EXCHANGE) return exchange(params);
    if (params.grant_type !== 'authorization_code') {
      return qlikError(400, 'unsupported_grant_type', 'unsupported grant_type');
    }
    const code = codes.get(params.code ?? '');
    if (!code || code.used)
      return qlikError(401, 'invalid_grant', 'the authorization code is invalid');
    code.used = true;
    if (code.redirectUri !== params.redirect_uri) {
      return qlikError(401, 'invalid_grant', 'redirect_uri does not match');
    }
    if ((await sha256(params.code_verifier ?? '')) !== code.challenge) {
      return qlikError(401, 'invalid_grant', 'code_verifier does not match the code_challenge');
    }
    return tokenResponse({ scope: code.scope, revoked: false, subject: code.subject });
  }

  async function handle(url: URL, params: Record<string, string>, headers: Record<string, string>) {
    switch (url.pathname) {
      case '/.well-known/oauth-authorization-server':
        return json(200, metadata);
      case '/oauth/token':
        return token(params);
      case '/oauth/revoke': {
        if (!params.token) return qlikError(400, 'invalid_request', 'token is required');
        // RFC 7009: a refresh token ends its grant; an access token only itself.
        const refreshRecord = refreshState.get(params.token);
        if (refreshRecord) refreshRecord.grant.revoked = true;
        const accessRecord = accessTokens.get(params.token);
        if (accessRecord) accessRecord.revoked = true;
        revoked.push({
          token: params.token,
          ...(params.token_type_hint ? { hint: params.token_type_hint } : {}),
        });
        return json(200, {});
      }
      case '/api/v1/users/me': {
        const bearer = headers.authorization?.replace(/^Bearer /, '');
        if (!live(bearer))
          return json(401, { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] });
        return json(200, { id: 'user-alice', name: 'Alice' });
      }
      case '/api/v1/apps/app-1/thumbnail': {
        if (!live(url.searchParams.get('accessToken') ?? '', 'webresource'))
          return json(401, { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] });
        return new Response('png', { status: 200, headers: { 'content-type': 'image/png' } });
      }
      default:
        return json(404, { errors: [{ code: 'HTTP-404', title: 'Not found' }] });
    }
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers ?? request?.headers).entries());
    const rawBody = init.body ?? (request ? await request.clone().text() : undefined);
    let params: Record<string, string> = {};
    if (typeof rawBody === 'string' && rawBody.startsWith('{')) params = JSON.parse(rawBody);
    else if (rawBody)
      params = Object.fromEntries(new URLSearchParams(rawBody as string | URLSearchParams));
    requests.push({
      method: (init.method ?? request?.method ?? 'GET').toUpperCase(),
      url: url.href,
      path: url.pathname,
      params,
      headers,
      addressBar: location.href,
    });
    if (url.origin !== origin) return new Response('third party', { status: 200 });
    const fault = faults.get(url.pathname)?.shift();
    if (fault === 'drop') throw new TypeError('Failed to fetch');
    if (fault && fault !== 'pass') return typeof fault === 'function' ? fault() : fault;
    return handle(url, params, headers);
  };

  return {
    origin,
    clientId,
    metadata,
    requests,
    revoked,
    refreshTokens,
    stats,
    fetch: fetch as typeof globalThis.fetch,
    /** The next request to `path` gets `fault` instead of the tenant's answer (queued, in order). */
    failNext(path: string, ...queued: Fault[]) {
      faults.set(path, [...(faults.get(path) ?? []), ...queued]);
    },
    /**
     * What the tenant's login page does: approves (or denies) and redirects back to the app.
     * `subject`: who signs in (default `auth0|alice`).
     */
    authorize(
      authorizeUrl: string,
      { deny = false, subject = 'auth0|alice' }: { deny?: boolean; subject?: string } = {},
    ): string {
      const url = new URL(authorizeUrl);
      const query = url.searchParams;
      const back = new URL(query.get('redirect_uri')!);
      if (deny) {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'the user denied access');
        back.searchParams.set('error_code', 'OAUTH-7');
        back.searchParams.set('error_detail', 'the user denied access');
      } else {
        counter += 1;
        const code = `code-${counter}`;
        codes.set(code, {
          redirectUri: back.href,
          challenge: query.get('code_challenge')!,
          scope: query.get('scope')!,
          used: false,
          subject,
        });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', query.get('state')!);
      return back.href;
    },
    /** Revokes every grant on the server (an admin ends all sessions, a password change). */
    revokeAll() {
      for (const record of refreshState.values()) record.grant.revoked = true;
    },
    /** The refresh tokens sent to the token endpoint, in order. */
    sentRefreshTokens(): string[] {
      return requests
        .filter((r) => r.path === '/oauth/token' && r.params.grant_type === 'refresh_token')
        .map((r) => r.params.refresh_token!);
    },
    /** Token requests of a grant type, for counting. */
    grants(grantType: string): RecordedRequest[] {
      return requests.filter((r) => r.path === '/oauth/token' && r.params.grant_type === grantType);
    },
    /** Requests to a path, for counting. */
    to(path: string): RecordedRequest[] {
      return requests.filter((request) => request.path === path);
    },
  };
}

export type FakeTenant = ReturnType<typeof createFakeTenant>;
