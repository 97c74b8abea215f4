/**
 * The tenant of the core's tests: the emulator's own fetch handler (`createTenant`), on the
 * test's clock, reached through a recording edge. The edge is the network between the client and
 * the tenant: it notes what the client sent (with bodies and headers, which the tenant's own log
 * never keeps) and can answer in the tenant's place (a captive portal, a timeout, a response held
 * back). Everything a tenant can do itself, it does itself: faults with a status, a body, a delay
 * or a dropped connection are the tenant's fault controls.
 */
import { createTenant, type FaultInput, type RuntimeSettings } from '@qlik-auth/emulator';

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

/** A fault the tenant itself applies to one request (its fault controls). */
export type TenantFault = Omit<FaultInput, 'path' | 'times' | 'probability'>;

/**
 * What the next request to a path gets: a tenant fault, 'drop' (connection reset), 'pass' (the
 * tenant's own answer), or, from the edge instead of the tenant, a Response or a function.
 */
export type Fault = TenantFault | 'drop' | 'pass' | Response | (() => Response | Promise<Response>);

/** The tenant's clock, origin and client, and any of its run-time settings (token lifetimes, ...). */
export interface TenantOptions extends Partial<RuntimeSettings> {
  now: () => number;
  /** How far the tenant's clock runs from the test's (negative: the client is ahead). */
  clockOffsetMs?: number;
  /**
   * The edge hands the client opaque access tokens (no `iat` to learn the tenant's clock from)
   * and swaps them back for the tenant's JWTs on the way in: a server with opaque tokens.
   */
  opaqueTokens?: boolean;
  /** The edge adds a readable `Date` header on the tenant's clock (CORS exposing it). */
  dateHeader?: boolean;
  /** Default `https://localhost:8787`: a loopback origin (the tenant answers for no other). */
  origin?: string;
  redirectUri: string;
  /**
   * The type of the client the test signs in with. Default `native`: most of these tests are of
   * refreshing, which needs a refresh token, and Qlik Cloud gives one to native and web clients
   * only, never to a single-page app (`spa`, which the tenant also registers).
   */
  appType?: 'spa' | 'native';
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** A Qlik error body with its RFC 6749 name in `meta.error`, as the tenant's fault answer. */
export function qlikError(status: number, error: string, detail: string): TenantFault {
  return {
    status,
    body: {
      errors: [
        {
          code: 'OAUTH-3',
          title: 'Invalid grant',
          detail,
          status: String(status),
          meta: { error },
        },
      ],
    },
  };
}

/** The signed-in user of every test. */
export const ALICE = {
  id: 'user-alice',
  subject: 'auth0|alice',
  name: 'Alice',
  email: 'alice@example.com',
};

/** The clients of the tests' tenant, one of each public type, both for the test's redirect URI. */
export const CLIENT_IDS = { spa: 'spa-client', native: 'native-client' } as const;

/**
 * One emulated tenant per test file, reset for each test: making a tenant's ES256 signing key
 * pair costs more than the rest of a test's setup, and a reset forgets everything but the keys.
 */
let shared: ReturnType<typeof createTenant> | undefined;
/** The clock of the test that is running. */
let clock: () => number = Date.now;

/** Users besides Alice, signed in by subject (`authorize(url, { subject })`). */
const OTHERS = [
  { id: 'user-idp-alice', subject: 'idp|alice', name: 'Alice (idp)', email: 'alice@idp.example' },
  { id: 'user-bob', subject: 'idp|bob', name: 'Bob', email: 'bob@example.com' },
  { id: 'user-José', subject: 'idp|José', name: 'José', email: 'jose@example.com' },
];

function resetTenant({
  now,
  redirectUri,
  appType: _appType,
  origin: _origin,
  clockOffsetMs = 0,
  opaqueTokens: _opaque,
  dateHeader: _date,
  ...settings
}: TenantOptions) {
  clock = () => now() + clockOffsetMs;
  shared ??= createTenant(
    {
      autoApprove: true,
      clients: [
        { clientId: CLIENT_IDS.spa, appType: 'spa', redirectUris: [redirectUri] },
        { clientId: CLIENT_IDS.native, appType: 'native', redirectUris: [redirectUri] },
      ],
      users: [{ ...ALICE }, ...OTHERS],
      apps: [{ id: 'app-1', name: 'Sales' }],
    },
    { now: () => clock() },
  );
  shared.reset();
  // An hour, Qlik Cloud's own default access token lifetime: the tests count in hours.
  shared.configure({ accessTokenTtlSeconds: 3600, ...settings });
  return shared;
}

/**
 * The tenant as a test sees it: the emulator's handler behind a recording edge, on the test's
 * clock. Any loopback origin reaches it (its issuer is the origin a request used).
 */
export function createRecordedTenant(options: TenantOptions) {
  const origin = options.origin ?? 'https://localhost:8787';
  const clientId = CLIENT_IDS[options.appType ?? 'native'];
  const tenant = resetTenant(options);
  const requests: RecordedRequest[] = [];
  const edge = new Map<string, Fault[]>();
  /** Every refresh token the tenant issued, in order. */
  const refreshTokens = new Set<string>();
  const revoked: { token: string; hint?: string }[] = [];
  let exchanges = 0;
  /** The browser's cookie at the tenant: its login session, which `prompt=none` relies on. */
  let loginCookie: string | undefined;

  const metadata = {
    issuer: origin,
    authorization_endpoint: `${origin}/oauth/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    revocation_endpoint: `${origin}/oauth/revoke`,
  };

  /** Notes what the tenant answered that the tests count: tokens issued, exchanges, revocations. */
  async function observe(path: string, params: Record<string, string>, response: Response) {
    if (!response.ok) return;
    if (path === '/oauth/revoke') {
      revoked.push({
        token: params.token!,
        ...(params.token_type_hint ? { hint: params.token_type_hint } : {}),
      });
    }
    if (path !== '/oauth/token') return;
    if (params.grant_type === TOKEN_EXCHANGE) exchanges += 1;
    const body = (await response.clone().json()) as { refresh_token?: string };
    if (body.refresh_token) refreshTokens.add(body.refresh_token);
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
    const fault = edge.get(url.pathname)?.shift();
    if (fault instanceof Response) return fault;
    if (typeof fault === 'function') return fault();
    if (fault === 'drop') tenant.addFault({ path: url.pathname, drop: true, times: 1 });
    else if (fault && fault !== 'pass') tenant.addFault({ ...fault, path: url.pathname, times: 1 });
    const response = options.opaqueTokens
      ? await opaque(url, input, init)
      : await tenant.fetch(input instanceof Request ? input : url, init);
    await observe(url.pathname, params, response);
    if (!options.dateHeader) return response;
    const dated = new Headers(response.headers);
    dated.set('date', new Date(clock()).toUTCString());
    return new Response(response.body, { status: response.status, headers: dated });
  };

  /** Opaque handles the client holds, and the tenant's JWT behind each. */
  const jwts = new Map<string, string>();
  const unwrap = (value: string) => jwts.get(value) ?? value;

  /** The request with every opaque handle swapped for its JWT; the answer with new JWTs hidden. */
  async function opaque(url: URL, input: RequestInfo | URL, init: RequestInit): Promise<Response> {
    const request = new Request(input instanceof Request ? input : url, init);
    const target = new URL(request.url);
    const token = target.searchParams.get('accessToken');
    if (token) target.searchParams.set('accessToken', unwrap(token));
    const headers = new Headers(request.headers);
    const bearer = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
    if (bearer) headers.set('authorization', `Bearer ${unwrap(bearer)}`);
    let body = request.method === 'GET' ? undefined : await request.text();
    if (body && !body.startsWith('{')) {
      const form = new URLSearchParams(body);
      for (const key of ['subject_token', 'token']) {
        const value = form.get(key);
        if (value) form.set(key, unwrap(value));
      }
      body = form.toString();
    }
    const response = await tenant.fetch(target, {
      method: request.method,
      headers,
      ...(body !== undefined && { body }),
    });
    if (url.pathname !== '/oauth/token' || !response.ok) return response;
    const json = (await response.json()) as { access_token: string };
    const handle = `opaque-${jwts.size + 1}`;
    jwts.set(handle, json.access_token);
    return Response.json({ ...json, access_token: handle }, { headers: response.headers });
  }

  return {
    origin,
    clientId,
    metadata,
    requests,
    revoked,
    refreshTokens,
    /** The emulator's own handle: its controls and its log. */
    emulator: tenant,
    get stats() {
      const { refreshes, reuseDetections } = tenant.stats();
      return { refreshes, reuseDetections, exchanges };
    },
    fetch: fetch as typeof globalThis.fetch,
    /** The next requests to `path` get these, in order (one each). */
    failNext(path: string, ...queued: Fault[]) {
      edge.set(path, [...(edge.get(path) ?? []), ...queued]);
    },
    /**
     * The browser at the tenant's authorization endpoint: the tenant signs Alice in (or, with
     * `deny`, its login page is denied) and redirects back; returns that URL.
     */
    async authorize(
      authorizeUrl: string,
      { deny = false, subject }: { deny?: boolean; subject?: string } = {},
    ) {
      if (deny) tenant.configure({ autoApprove: false });
      /** The browser's request to the tenant: with its cookie there, the login session. */
      const browser = async (url: string | URL, init: RequestInit = {}) => {
        const request = new Request(url, { ...init, redirect: 'manual' });
        // Set on the made Request: happy-dom's, a page's, drops a Cookie given to its constructor.
        if (loginCookie) request.headers.set('cookie', loginCookie);
        const response = await tenant.fetch(request);
        loginCookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? loginCookie;
        return response;
      };
      try {
        const url = new URL(authorizeUrl);
        // Another user than Alice: the tenant finds users by subject in login_hint.
        if (subject) url.searchParams.set('login_hint', subject);
        const first = await browser(url);
        if (!deny) return first.headers.get('location')!;
        const transaction = /name="transaction" value="([^"]+)"/.exec(await first.text())![1]!;
        const denied = await browser(`${origin}/oauth/authorize/login`, {
          method: 'POST',
          body: new URLSearchParams({ transaction, action: 'deny' }),
        });
        return denied.headers.get('location')!;
      } finally {
        tenant.configure({ autoApprove: true });
      }
    },
    /** Revokes every grant on the server (an admin ends all sessions, a password change). */
    revokeAll() {
      tenant.revokeUser(ALICE.id);
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

export type RecordedTenant = ReturnType<typeof createRecordedTenant>;
