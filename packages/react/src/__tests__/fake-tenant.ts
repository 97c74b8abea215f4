/**
 * A small in-process Qlik Cloud tenant, injected as the core's `fetch`. It answers like
 * packages/emulator: RFC 8414 discovery, `/oauth/token` (authorization_code with PKCE S256,
 * refresh_token with rotation, the RFC 8693 purpose-token exchange), `/oauth/revoke`,
 * `/api/v1/users/me`; token responses carry `expires_at` as an ISO date, errors are Qlik's
 * `{ errors: [...] }` bodies. It also plays the login page (`authorize`) and records requests.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
}

/** What the next request to a path gets instead of the tenant's answer. */
export type Fault = Response | 'drop' | (() => Promise<Response>);

export interface FakeTenantOptions {
  origin?: string;
  clientId?: string;
  /** Clock in epoch milliseconds. Default `Date.now` (fake timers move it). */
  now?: () => number;
  accessTokenTtlSeconds?: number;
  purposeTokenTtlSeconds?: number;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** An OAuth error the way the emulator sends it: a Qlik `errors[]` body with `meta.error`. */
export const oauthError = (status: number, error: string, detail: string) =>
  json(status, {
    errors: [{ code: 'OAUTH-1', title: error, detail, status: String(status), meta: { error } }],
  });

const b64url = (text: string) =>
  btoa(text).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return b64url(String.fromCharCode(...new Uint8Array(digest)));
}

export function createFakeTenant(options: FakeTenantOptions = {}) {
  const origin = options.origin ?? 'https://tenant.eu.qlikcloud.com';
  const clientId = options.clientId ?? 'spa-client';
  const now = options.now ?? (() => Date.now());
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string }>();
  const accessTokens = new Map<string, { purpose?: string; expiresAt: number }>();
  const refreshTokens = new Map<string, 'active' | 'used' | 'revoked'>();
  let counter = 0;

  const metadata = {
    issuer: origin,
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    revocation_endpoint: `${origin}/oauth/revoke`,
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };

  function issue(scope: string, purpose?: string, withRefresh = false) {
    counter += 1;
    const ttl = purpose
      ? (options.purposeTokenTtlSeconds ?? 300)
      : (options.accessTokenTtlSeconds ?? 3600);
    const expiresAt = now() + ttl * 1000;
    const claims = {
      sub: 'emulator|ada',
      userId: 'user-ada',
      tenantId: 'emulator-tenant',
      jti: `at-${counter}`,
      exp: Math.floor(expiresAt / 1000),
      ...(purpose ? { purpose } : {}),
    };
    const token = `${b64url('{"alg":"ES256","typ":"at+jwt"}')}.${b64url(JSON.stringify(claims))}.sig${counter}`;
    accessTokens.set(token, { expiresAt, ...(purpose ? { purpose } : {}) });
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: 'bearer',
      expires_at: new Date(expiresAt).toISOString(),
      scope,
    };
    if (purpose) body.issued_token_type = 'urn:ietf:params:oauth:token-type:access_token';
    if (withRefresh) {
      body.refresh_token = `rt-${counter}`;
      refreshTokens.set(body.refresh_token as string, 'active');
    }
    return json(200, body);
  }

  async function token(params: Record<string, string>): Promise<Response> {
    if (params.client_id !== clientId) return oauthError(401, 'invalid_client', 'unknown client');
    switch (params.grant_type) {
      case 'authorization_code': {
        const code = codes.get(params.code ?? '');
        codes.delete(params.code ?? '');
        if (!code) return oauthError(400, 'invalid_grant', 'the code is invalid or used');
        if (code.redirectUri !== params.redirect_uri) {
          return oauthError(400, 'invalid_grant', 'redirect_uri does not match');
        }
        if ((await sha256(params.code_verifier ?? '')) !== code.challenge) {
          return oauthError(400, 'invalid_grant', 'code_verifier does not match');
        }
        return issue(code.scope, undefined, code.scope.split(' ').includes('offline_access'));
      }
      case 'refresh_token': {
        const status = refreshTokens.get(params.refresh_token ?? '');
        if (status !== 'active') {
          return oauthError(401, 'invalid_grant', 'the refresh token is invalid');
        }
        refreshTokens.set(params.refresh_token!, 'used');
        return issue('user_default offline_access', undefined, true);
      }
      case 'urn:ietf:params:oauth:grant-type:token-exchange': {
        const subject = accessTokens.get(params.subject_token ?? '');
        if (!subject || subject.purpose || subject.expiresAt <= now()) {
          return oauthError(401, 'invalid_grant', 'subject_token is invalid or expired');
        }
        if (params.purpose !== 'websocket' && params.purpose !== 'webresource') {
          return oauthError(400, 'invalid_request', 'purpose must be websocket or webresource');
        }
        return issue('user_default', params.purpose);
      }
      default:
        return oauthError(400, 'unsupported_grant_type', `${params.grant_type} is not supported`);
    }
  }

  async function handle(url: URL, params: Record<string, string>, headers: Headers) {
    switch (url.pathname) {
      case '/.well-known/oauth-authorization-server':
        return json(200, metadata);
      case '/oauth/token':
        return token(params);
      case '/oauth/revoke':
        if (refreshTokens.has(params.token ?? '')) refreshTokens.set(params.token!, 'revoked');
        accessTokens.delete(params.token ?? '');
        return json(200, {});
      case '/api/v1/users/me': {
        const record = accessTokens.get(headers.get('authorization')?.slice(7) ?? '');
        if (!record || record.purpose || record.expiresAt <= now()) {
          return json(401, { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] });
        }
        return json(200, { id: 'user-ada', name: 'Ada Lovelace', email: 'ada@example.com' });
      }
      default:
        return json(404, { errors: [{ code: 'HTTP-404', title: 'Not found' }] });
    }
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    const headers = new Headers(init.headers ?? request?.headers);
    const body = init.body ?? (request ? await request.clone().text() : undefined);
    const params = body ? Object.fromEntries(new URLSearchParams(body as string)) : {};
    requests.push({ method: init.method ?? request?.method ?? 'GET', path: url.pathname, params });
    const fault = faults.get(url.pathname)?.shift();
    if (fault === 'drop') throw new TypeError('Failed to fetch');
    if (fault) return typeof fault === 'function' ? fault() : fault;
    return handle(url, params, headers);
  };

  return {
    origin,
    clientId,
    requests,
    fetch: fetch as typeof globalThis.fetch,
    /** The next requests to `path` get these instead of the tenant's answers, in order. */
    failNext(path: string, ...queued: Fault[]) {
      faults.set(path, [...(faults.get(path) ?? []), ...queued]);
    },
    /** The login page: approves (or denies) the authorization request and redirects back. */
    authorize(authorizeUrl: string, { deny = false } = {}): string {
      const query = new URL(authorizeUrl).searchParams;
      const back = new URL(query.get('redirect_uri')!);
      if (deny) {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'the user denied access');
      } else {
        counter += 1;
        const code = `code-${counter}`;
        codes.set(code, {
          redirectUri: back.href,
          challenge: query.get('code_challenge')!,
          scope: query.get('scope')!,
        });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', query.get('state')!);
      return back.href;
    },
    /** Token requests of one grant type. */
    grants(grantType: string): RecordedRequest[] {
      return requests.filter((r) => r.path === '/oauth/token' && r.params.grant_type === grantType);
    },
    /** Requests to one path. */
    to(path: string): RecordedRequest[] {
      return requests.filter((r) => r.path === path);
    },
  };
}

export type FakeTenant = ReturnType<typeof createFakeTenant>;
