/**
 * A small in-process Qlik Cloud tenant for unit tests: discovery, the authorize redirect, the
 * token endpoint (authorization_code with PKCE) and revocation, answering like
 * packages/emulator does (`expires_at` ISO strings, `{ errors: [...] }` bodies with
 * `meta.error`). It is the injected `fetch`, and it records every request it sees.
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

/** A canned answer for the next request to a path: a Response, or 'drop' (connection reset). */
export type Fault = Response | 'drop' | (() => Response | Promise<Response>);

export interface FakeTenantOptions {
  origin?: string;
  clientId?: string;
  now: () => number;
  accessTokenTtlSeconds?: number;
  /** Which expiry fields token responses carry; the emulator's default is `expires_at`. */
  expiryFields?: 'expires_at' | 'expires_in' | 'both';
  /** Issue a refresh token (offline_access). Default true. */
  refreshTokens?: boolean;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

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

export function createFakeTenant(options: FakeTenantOptions) {
  const origin = options.origin ?? 'https://tenant.eu.qlikcloud.com';
  const clientId = options.clientId ?? 'spa-client';
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const codes = new Map<
    string,
    { redirectUri: string; challenge: string; scope: string; used: boolean }
  >();
  const accessTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const revoked: { token: string; hint?: string }[] = [];
  let counter = 0;

  const metadata = {
    issuer: origin,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    revocation_endpoint: `${origin}/oauth/revoke`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
  };

  function accessToken(): string {
    counter += 1;
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }));
    const claims = b64url(
      JSON.stringify({
        sub: 'auth0|alice',
        userId: 'user-alice',
        tenantId: 'tenant-1',
        jti: `at-${counter}`,
      }),
    );
    const token = `${header}.${claims}.signature-${counter}`;
    accessTokens.add(token);
    return token;
  }

  function tokenResponse(scope: string) {
    const expiresAt = options.now() + ttl * 1000;
    const mode = options.expiryFields ?? 'expires_at';
    const body: Record<string, unknown> = {
      access_token: accessToken(),
      token_type: 'bearer',
      scope,
      ...(mode !== 'expires_in' ? { expires_at: new Date(expiresAt).toISOString() } : {}),
      ...(mode !== 'expires_at' ? { expires_in: ttl } : {}),
    };
    if (options.refreshTokens !== false && scope.split(' ').includes('offline_access')) {
      counter += 1;
      body.refresh_token = `rt-${counter}-secret-refresh-token`;
      refreshTokens.add(body.refresh_token as string);
    }
    return json(200, body);
  }

  async function token(params: Record<string, string>): Promise<Response> {
    if (params.grant_type !== 'authorization_code') {
      return qlikError(400, 'unsupported_grant_type', 'only authorization_code here');
    }
    if (params.client_id !== clientId) return qlikError(401, 'invalid_client', 'unknown client_id');
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
    return tokenResponse(code.scope);
  }

  async function handle(url: URL, params: Record<string, string>, headers: Record<string, string>) {
    switch (url.pathname) {
      case '/.well-known/oauth-authorization-server':
        return json(200, metadata);
      case '/oauth/token':
        return token(params);
      case '/oauth/revoke':
        if (!params.token) return qlikError(400, 'invalid_request', 'token is required');
        revoked.push({
          token: params.token,
          ...(params.token_type_hint ? { hint: params.token_type_hint } : {}),
        });
        return json(200, {});
      case '/api/v1/users/me': {
        const bearer = headers.authorization?.replace(/^Bearer /, '');
        if (!bearer || !accessTokens.has(bearer))
          return json(401, { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] });
        return json(200, { id: 'user-alice', name: 'Alice' });
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
    if (fault) return typeof fault === 'function' ? fault() : fault;
    return handle(url, params, headers);
  };

  return {
    origin,
    clientId,
    metadata,
    requests,
    revoked,
    refreshTokens,
    fetch: fetch as typeof globalThis.fetch,
    /** The next request to `path` gets `fault` instead of the tenant's answer (queued, in order). */
    failNext(path: string, ...queued: Fault[]) {
      faults.set(path, [...(faults.get(path) ?? []), ...queued]);
    },
    /** What the tenant's login page does: approves (or denies) and redirects back to the app. */
    authorize(authorizeUrl: string, { deny = false }: { deny?: boolean } = {}): string {
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
        });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', query.get('state')!);
      return back.href;
    },
    /** Requests to a path, for counting. */
    to(path: string): RecordedRequest[] {
      return requests.filter((request) => request.path === path);
    },
  };
}

export type FakeTenant = ReturnType<typeof createFakeTenant>;
