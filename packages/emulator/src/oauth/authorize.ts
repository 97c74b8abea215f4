import { Hono } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import { oauthError, rfcErrorName, type OAuthErrorName } from '../http/errors.js';
import { methodNotAllowed, readParams, stringParam } from '../http/request.js';
import { loginPage, type LoginPageInput } from './login-page.js';
import { allowedScopes, grantableScopes } from '../config/client-policy.js';
import { randomId, type LoginSession, type PendingAuthorization } from '../state/tenant.js';
import type { Ctx, Env, Shared } from '../context.js';

/** What a framed authorization request gets where the tenant may not be framed (never shown). */
const framingRefused =
  '<!doctype html><meta charset="utf-8"><title>Not in a frame</title><p>The authorization endpoint cannot be framed.</p>';

export const SESSION_COOKIE = 'qlik_emulator_session';
const PENDING_TTL_MS = 10 * 60 * 1000;

/**
 * The authorization endpoint and its login page (RFC 6749 section 4.1, RFC 7636), mounted at
 * `/oauth/authorize`.
 */
export function createAuthorizeRoutes(shared: Shared): Hono<Env> {
  const { tenant, issuerOf } = shared;

  /** The browser's live login session at the tenant, if any (its use keeps it alive). */
  function sessionOf(c: Ctx): LoginSession | undefined {
    return tenant.signIns.useSession(getCookie(c, SESSION_COOKIE));
  }

  /** RFC 6749 section 4.1.2.1 error redirect, with Qlik's `error_code` and `error_detail`. */
  function errorRedirect(
    c: Ctx,
    redirectUri: string,
    state: string | undefined,
    name: OAuthErrorName,
    detail: string,
  ): Response {
    const { entry } = oauthError(400, name, detail);
    const target = new URL(redirectUri);
    target.searchParams.set('error', rfcErrorName(name));
    target.searchParams.set('error_description', detail);
    target.searchParams.set('error_code', entry.code);
    target.searchParams.set('error_detail', detail);
    if (state !== undefined) target.searchParams.set('state', state);
    return c.redirect(target.href, 302);
  }

  function completeAuthorization(
    c: Ctx,
    pending: PendingAuthorization,
    session: LoginSession,
  ): Response {
    session.consented.add(pending.clientId);
    const code = tenant.codes.issue(pending, session);
    const target = new URL(pending.redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', pending.state);
    return c.redirect(target.href, 302);
  }

  /**
   * A new sign-in at the tenant: the session and its cookie. `SameSite=Lax`: sent on top-level
   * navigations from any site, and on every request from the same site, which includes an
   * iframe of a loopback app on another port (localhost:5173 and localhost:8787 are one site).
   */
  function startSession(c: Ctx, userId: string): LoginSession {
    const session = tenant.signIns.startSession(userId);
    const cookie = generateCookie(SESSION_COOKIE, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
    });
    c.header('set-cookie', cookie, { append: true });
    c.set('sessionCookie', cookie);
    return session;
  }

  /** The login (or consent) page of an authorization request waiting in `tenant.signIns.pending`. */
  function showLoginPage(
    c: Ctx,
    status: 200 | 400,
    pending: PendingAuthorization,
    shown: Pick<LoginPageInput, 'selected' | 'consentFor' | 'message'>,
  ): Response {
    return c.html(
      loginPage({
        transaction: pending.id,
        clientId: pending.clientId,
        scope: pending.scope,
        users: tenant.config.users,
        ...shown,
      }),
      status,
    );
  }

  /** GET /oauth/authorize */
  function authorize(c: Ctx): Response {
    // Unframable means for every answer, redirects too: a browser applies X-Frame-Options and
    // frame-ancestors to a page it would show, never to a redirect, so a `prompt=none` request
    // would otherwise come back through a frame that the headers forbid. A request the browser
    // says is for a frame (Fetch Metadata, https://www.w3.org/TR/fetch-metadata/) gets a page
    // instead, which those headers keep out of the frame. Whether Qlik Cloud refuses framed
    // authorization requests this way is not documented; with `allowFraming` it serves them.
    const destination = c.req.header('sec-fetch-dest');
    if ((destination === 'iframe' || destination === 'frame') && !tenant.config.allowFraming) {
      return c.html(framingRefused, 403);
    }
    const query = new URL(c.req.url).searchParams;
    const repeated = [...new Set(query.keys())].filter((key) => query.getAll(key).length > 1);
    for (const key of ['client_id', 'redirect_uri']) {
      if (repeated.includes(key))
        throw oauthError(400, 'invalid_request', `parameter ${key} is repeated`);
    }
    // Without a known client and a registered redirect URI there is nowhere safe to redirect to
    // (RFC 6749 section 4.1.2.1): a 400 with the errors body. For an unknown client Qlik Cloud
    // answers `OAUTH-14` "Invalid client_id" (see OAUTH_ERRORS in http/errors.ts for the source).
    const clientId = query.get('client_id');
    const client = tenant.client(clientId ?? undefined);
    if (!client) throw oauthError(400, 'unknown_client', 'client_id is missing or unknown');
    const rawRedirect = query.get('redirect_uri');
    if (!rawRedirect) throw oauthError(400, 'invalid_request', 'redirect_uri is required');
    let redirectUri: string;
    try {
      redirectUri = new URL(rawRedirect, issuerOf(c)).href;
    } catch {
      throw oauthError(400, 'invalid_request', 'redirect_uri is not a URL');
    }
    if (!client.redirectUris.includes(redirectUri)) {
      throw oauthError(400, 'invalid_request', 'redirect_uri is not registered for this client');
    }
    // A repeated state cannot be echoed back faithfully, so it is left out of the error redirect.
    const state = repeated.includes('state') ? undefined : (query.get('state') ?? undefined);
    const fail = (name: OAuthErrorName, detail: string) =>
      errorRedirect(c, redirectUri, state, name, detail);

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
    const allowed = allowedScopes(client);
    // An spa asking for offline_access is not refused: the scope is left out (client-policy.ts).
    const requested = grantableScopes(client, scope.split(/\s+/));
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length)
      return fail('invalid_scope', `scope not allowed for this client: ${unknown.join(' ')}`);
    // Qlik's authorization endpoint takes `prompt` none or login only: qlik.dev's OAuth API
    // reference (https://qlik.dev/apis/rest/oauth/, GET /oauth/authorize, `prompt`: "Can be one
    // of: none, login"). An older copy of the OpenAPI also listed `consent`; the current page no
    // longer does. A consent step still exists, as on Qlik Cloud (users are asked to consent to
    // the requested scopes: qlik.dev "OAuth Scopes", https://qlik.dev/authenticate/oauth/scopes),
    // but no request can ask for it again.
    const prompt = query.get('prompt') ?? undefined;
    if (prompt !== undefined && prompt !== 'none' && prompt !== 'login') {
      return fail('invalid_request', 'prompt must be none or login');
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

    const session = sessionOf(c);
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
      return completeAuthorization(c, pending, session);
    }
    if (session && fresh && sessionMatchesHint && prompt !== 'login') {
      if (session.consented.has(client.clientId)) {
        return completeAuthorization(c, pending, session);
      }
      if (tenant.config.autoApprove) return completeAuthorization(c, pending, session);
      pending.consentOnly = true;
      tenant.signIns.addPending(pending);
      return showLoginPage(c, 200, pending, { consentFor: tenant.user(session.userId)! });
    }
    if (tenant.config.autoApprove) {
      const user =
        hinted ?? tenant.config.users.find((u) => !u.disabled) ?? tenant.config.users[0]!;
      return completeAuthorization(c, pending, startSession(c, user.id));
    }
    tenant.signIns.addPending(pending);
    return showLoginPage(c, 200, pending, { selected: hinted?.id ?? session?.userId ?? '' });
  }

  /** POST /oauth/authorize/login: the login page's form. */
  async function login(c: Ctx): Promise<Response> {
    const params = await readParams(c);
    const id = stringParam(params, 'transaction');
    const pending = id ? tenant.signIns.pending.get(id) : undefined;
    if (!pending || pending.expiresAt <= tenant.now()) {
      if (id) tenant.signIns.pending.delete(id);
      throw oauthError(
        400,
        'invalid_request',
        'the sign-in transaction is unknown or has expired; start again',
      );
    }
    const page = (message: string) => showLoginPage(c, 400, pending, { message });
    if (stringParam(params, 'action') === 'deny') {
      tenant.signIns.pending.delete(pending.id);
      return errorRedirect(
        c,
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
    tenant.signIns.pending.delete(pending.id);
    if (user.disabled) {
      return errorRedirect(
        c,
        pending.redirectUri,
        pending.state,
        'access_denied',
        'the user is disabled',
      );
    }
    // Only a consent page keeps the current session; a login page is a new sign-in, so a new
    // session (and a new auth_time, which max_age checks) starts.
    const current = sessionOf(c);
    if (current && current.userId === user.id && pending.consentOnly) {
      return completeAuthorization(c, pending, current);
    }
    return completeAuthorization(c, pending, startSession(c, user.id));
  }

  return new Hono<Env>()
    .use('*', async (c, next) => {
      await next();
      // A Response made where Set-Cookie is a forbidden header (happy-dom, as a browser's
      // service worker) drops it when constructed; added afterwards, it stays, so the login
      // session works in such a test environment too.
      const cookie = c.get('sessionCookie');
      if (cookie && !c.res.headers.getSetCookie().includes(cookie)) {
        c.res.headers.append('set-cookie', cookie);
      }
    })
    .get('/', authorize)
    .post('/login', login)
    .all('/', () => methodNotAllowed('GET'))
    .all('/login', () => methodNotAllowed('POST'));
}
