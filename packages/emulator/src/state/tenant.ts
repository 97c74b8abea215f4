import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWK, type CryptoKey } from 'jose';
import type { ClientConfig, EmulatorConfig, UserConfig } from '../config/config.js';
import { constantTimeEqual, randomId, sha256Base64url } from '../encoding.js';
import { oauthError } from '../http/errors.js';
import { createRefreshTokenSeal, type RefreshTokenClaims } from './refresh-token.js';
import { SWEEP_INTERVAL_MS, createSweepTimer } from './sweep.js';
import {
  accessTokenTtlSeconds,
  issuesRefreshTokens,
  refreshTokenTtlSeconds,
} from '../config/client-policy.js';

export { randomId };

export type Purpose = 'websocket' | 'webresource';

/** What an issued access token stands for. */
export interface AccessTokenRecord {
  jti: string;
  userId?: string;
  clientId: string;
  scope: string;
  purpose?: Purpose;
  familyId?: string;
  expiresAt: number;
}

/**
 * One live grant: the tokens that descend from one sign-in or impersonation. A grant is held
 * until it is revoked or the last token issued from it expires (`endsAt`), and not a moment
 * longer: its refresh tokens are sealed (see {@link createRefreshTokenSeal}), so however often
 * they rotate, the grant is this one record.
 */
export interface Family {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  /** How the grant began: a user's sign-in in a browser, or a machine-to-machine grant. */
  flow: 'browser' | 'm2m';
  /** The current refresh token's place in the rotation; every older one is rotated out. */
  generation: number;
  /** When the current refresh token expires; absent for a grant without refresh tokens. */
  refreshExpiresAt?: number;
  /** When the previous refresh token was rotated out, for the reuse grace period. */
  rotatedAt?: number;
  /** When the last token issued from the grant expires: the grant ends then. */
  endsAt: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  userId: string;
  authTime: number;
  expiresAt: number;
  used: boolean;
  familyId?: string;
}

/** How many records of each kind a tenant holds (for tests and benchmarks). */
export interface HeldRecords {
  pendingSignIns: number;
  loginSessions: number;
  codes: number;
  grants: number;
  accessTokens: number;
}

/**
 * The tenant's login session: the browser's sign-in at the tenant (the emulator's own cookie),
 * which `prompt=none` relies on. It ends after its inactivity timeout or its maximum duration,
 * both fixed when it starts.
 */
export interface LoginSession {
  id: string;
  userId: string;
  /** When the user signed in; the maximum duration counts from here. */
  authTime: number;
  /** When the session was last used at the tenant; the inactivity timeout counts from here. */
  lastActiveAt: number;
  inactivityTimeoutMs: number;
  maxDurationMs: number;
  consented: Set<string>;
}

/** A validated authorization request waiting for the login page. */
export interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  prompt?: string;
  loginHint?: string;
  /** Shown as a consent page to an already signed-in user, not as a login page. */
  consentOnly?: boolean;
  expiresAt: number;
}

/** What a successful grant returns, as the `oauth-token-response` schema. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_at?: string;
  expires_in?: number;
  scope: string;
  refresh_token?: string;
  issued_token_type?: string;
  auth_time?: number;
}

/**
 * At most this many sign-in transactions wait for the login page at once; the oldest gives way.
 * Each `GET /oauth/authorize` that shows the page adds one, so without a bound any page could
 * grow the emulator's memory without end.
 */
export const MAX_PENDING_AUTHORIZATIONS = 1000;

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The state of one emulated tenant: clients, users, sessions, codes and tokens. Pure state and
 * rules; HTTP lives in the server. All times are epoch milliseconds from the injected clock.
 *
 * It holds what the rules need, for as long as they need it, so a tenant that runs for days stays
 * the same size (see {@link Tenant.sweep}): a sign-in transaction until it expires (10 minutes), a
 * login session until it ends, a code until it expires (used ones too: a replay within its
 * lifetime revokes what it gave), a grant until it is revoked or its last token expires, an access
 * token until it expires or its grant ends. Refresh tokens are not records at all: each grant
 * knows its current one's place in the rotation, which is all reuse detection needs.
 */
export class Tenant {
  readonly tenantId = 'emulator-tenant';
  readonly pending = new Map<string, PendingAuthorization>();
  readonly sessions = new Map<string, LoginSession>();
  readonly codes = new Map<string, AuthorizationCode>();
  /** The live grants. */
  readonly families = new Map<string, Family>();
  /** The live grants of each user, so counting them does not depend on how many there ever were. */
  private readonly grantsByUser = new Map<string, Set<Family>>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** Counters the control API reports, so tests can assert what the tenant saw. */
  readonly stats = { tokensIssued: 0, refreshes: 0, reuseDetections: 0, revocations: 0 };
  private keys?: { privateKey: CryptoKey; publicJwk: JWK };
  private readonly refreshTokenSeal = createRefreshTokenSeal();
  private readonly sweepTimer = createSweepTimer(this);
  /** When (by the tenant's clock) the last sweep ran. */
  private lastSweep = -Infinity;

  constructor(
    public config: EmulatorConfig,
    readonly now: () => number = Date.now,
  ) {}

  /** Forgets every session, code, grant and token, and counters; keys and config stay. */
  reset(config: EmulatorConfig): void {
    this.config = config;
    for (const map of [this.pending, this.sessions, this.codes, this.families]) map.clear();
    this.grantsByUser.clear();
    this.accessTokens.clear();
    Object.assign(this.stats, {
      tokensIssued: 0,
      refreshes: 0,
      reuseDetections: 0,
      revocations: 0,
    });
    // Nothing left to sweep: the next write starts the timer again.
    this.stopSweeping();
    this.lastSweep = -Infinity;
  }

  /**
   * Forgets every record that has ended by the tenant's clock: expired sign-in transactions,
   * ended login sessions, expired codes, grants whose last token has expired, and access tokens
   * that have expired or whose grant is gone (revoked). Runs on a timer while the tenant holds
   * anything, and on writes once {@link SWEEP_INTERVAL_MS} of the tenant's clock has passed.
   */
  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [id, pending] of this.pending) if (pending.expiresAt <= now) this.pending.delete(id);
    for (const [id, session] of this.sessions) {
      if (this.sessionEnded(session, now)) this.sessions.delete(id);
    }
    for (const [value, code] of this.codes) if (code.expiresAt <= now) this.codes.delete(value);
    for (const family of this.families.values()) if (family.endsAt <= now) this.forget(family);
    for (const [jti, token] of this.accessTokens) {
      if (token.expiresAt <= now || (token.familyId && !this.families.has(token.familyId))) {
        this.accessTokens.delete(jti);
      }
    }
  }

  /** Stops the sweep timer (the server closing); the next write starts it again. */
  stopSweeping(): void {
    this.sweepTimer.stop();
  }

  /** Whether the sweep timer runs. */
  get sweeping(): boolean {
    return this.sweepTimer.running;
  }

  /** How many records of each kind the tenant holds. */
  held(): HeldRecords {
    return {
      pendingSignIns: this.pending.size,
      loginSessions: this.sessions.size,
      codes: this.codes.size,
      grants: this.families.size,
      accessTokens: this.accessTokens.size,
    };
  }

  /**
   * Called before every new record: keeps the sweep timer running, and sweeps when the tenant's
   * clock has moved on a whole interval since the last sweep, so memory stays bounded by the
   * clock even where the timer cannot run (a clock moved by hand, a busy event loop).
   */
  private writing(): void {
    this.sweepTimer.start();
    if (this.now() - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep();
  }

  /**
   * Keeps an authorization request for the login page, at most
   * {@link MAX_PENDING_AUTHORIZATIONS} of them: the oldest gives way.
   */
  addPending(pending: PendingAuthorization): void {
    this.writing();
    // A Map iterates in insertion order: the first key is the oldest transaction.
    while (this.pending.size >= MAX_PENDING_AUTHORIZATIONS) {
      this.pending.delete(this.pending.keys().next().value!);
    }
    this.pending.set(pending.id, pending);
  }

  /**
   * Starts a login session for a user who just signed in at the tenant. Its timeouts are the
   * tenant's at this moment: on Qlik Cloud a change of the session timeouts applies to new
   * sessions only ("Configuring session timeouts",
   * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/configure-session-timeout.htm).
   */
  startLoginSession(userId: string): LoginSession {
    this.writing();
    const now = this.now();
    const { config } = this;
    const session: LoginSession = {
      id: randomId(24),
      userId,
      authTime: now,
      lastActiveAt: now,
      inactivityTimeoutMs:
        (config.sessionInactivityTimeoutSeconds ?? config.sessionInactivityTimeoutMinutes * 60) *
        1000,
      maxDurationMs:
        (config.maxSessionDurationSeconds ?? config.maxSessionDurationHours * 3600) * 1000,
      consented: new Set(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * Whether a login session has ended: idle longer than its inactivity timeout, older than its
   * maximum duration, or its user is gone (same page as {@link startLoginSession}).
   */
  private sessionEnded(session: LoginSession, now: number): boolean {
    return (
      now - session.lastActiveAt >= session.inactivityTimeoutMs ||
      now - session.authTime >= session.maxDurationMs ||
      !this.user(session.userId)
    );
  }

  /**
   * The login session with this id, if it is still alive, marked as used now. A session that has
   * ended is forgotten, as Qlik Cloud signs the user out (same page as {@link startLoginSession}).
   * Only visits to the tenant with its cookie count as use: token lifetimes are independent of the
   * session and do not extend it ("Configuring OAuth token duration",
   * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm).
   */
  useLoginSession(id: string | undefined): LoginSession | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (this.sessionEnded(session, now)) {
      this.sessions.delete(session.id);
      return undefined;
    }
    session.lastActiveAt = now;
    return session;
  }

  /**
   * Ends every login session of a user, as a sign-out at the tenant or a timeout would: the next
   * authorization request needs a login (`prompt=none` answers `login_required`). Tokens already
   * issued stay valid. Returns how many sessions ended.
   */
  endLoginSessions(userId: string): number {
    let count = 0;
    for (const [id, session] of this.sessions) {
      if (session.userId !== userId) continue;
      this.sessions.delete(id);
      count += 1;
    }
    return count;
  }

  client(clientId: string | undefined): ClientConfig | undefined {
    return this.config.clients.find((client) => client.clientId === clientId);
  }

  user(userId: string): UserConfig | undefined {
    return this.config.users.find((user) => user.id === userId);
  }

  /** Finds a user by id, subject, email or name, as typed on the login page or in login_hint. */
  findUser(hint: string | undefined): UserConfig | undefined {
    if (!hint) return undefined;
    const needle = hint.trim().toLowerCase();
    return this.config.users.find((user) =>
      [user.id, user.subject, user.email, user.name].some((v) => v.toLowerCase() === needle),
    );
  }

  /** The origins a browser may call the token, revoke and API paths from. */
  allowedOrigin(origin: string): boolean {
    return this.config.clients.some((client) => client.allowedOrigins?.includes(origin));
  }

  /**
   * Authenticates the client of a token request. Confidential clients (those with a secret)
   * must present it; public clients must not pretend to be confidential.
   */
  authenticateClient(clientId: string | undefined, secret: string | undefined): ClientConfig {
    const client = this.client(clientId);
    if (!client) throw oauthError(401, 'invalid_client', 'unknown client_id');
    if (client.clientSecret !== undefined) {
      if (secret === undefined)
        throw oauthError(401, 'invalid_client', 'client_secret is required');
      if (!constantTimeEqual(secret, client.clientSecret)) {
        throw oauthError(401, 'invalid_client', 'client credentials are invalid');
      }
    } else if (secret !== undefined) {
      throw oauthError(401, 'invalid_client', 'this client is public and has no secret');
    }
    return client;
  }

  /** The client a request names, where the grant needs no client authentication. */
  identifyClient(clientId: string | undefined): ClientConfig {
    const client = this.client(clientId);
    if (!client) throw oauthError(401, 'invalid_client', 'unknown client_id');
    return client;
  }

  /** The signing key pair, made on first use (ES256). */
  private async signingKeys(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
    if (!this.keys) {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const publicJwk = {
        ...(await exportJWK(publicKey)),
        kid: randomId(8),
        alg: 'ES256',
        use: 'sig',
      };
      this.keys = { privateKey, publicJwk };
    }
    return this.keys;
  }

  /** The public keys, for `jwks_uri`. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.signingKeys()).publicJwk] };
  }

  /**
   * Records and signs an access token. It is recorded before it is signed, and its grant told how
   * long it lives, so no sweep meanwhile can forget the grant it belongs to.
   */
  async issueAccessToken(
    issuer: string,
    fields: Omit<AccessTokenRecord, 'jti' | 'expiresAt'>,
    ttlSeconds: number,
  ): Promise<{ token: string; record: AccessTokenRecord }> {
    this.writing();
    const now = this.now();
    const record: AccessTokenRecord = {
      ...fields,
      jti: randomId(16),
      expiresAt: now + ttlSeconds * 1000,
    };
    this.accessTokens.set(record.jti, record);
    this.stats.tokensIssued += 1;
    const family = record.familyId ? this.families.get(record.familyId) : undefined;
    if (family) family.endsAt = Math.max(family.endsAt, record.expiresAt);
    const { privateKey, publicJwk } = await this.signingKeys();
    const user = record.userId ? this.user(record.userId) : undefined;
    const token = await new SignJWT({
      scope: record.scope,
      client_id: record.clientId,
      tenantId: this.tenantId,
      ...(user ? { userId: user.id, sub_type: 'user' } : { sub_type: 'client' }),
      ...(record.purpose ? { purpose: record.purpose } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid!, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(user?.subject ?? record.clientId)
      .setAudience('qlik.api')
      .setJti(record.jti)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.ceil(record.expiresAt / 1000))
      .sign(privateKey);
    return { token, record };
  }

  /**
   * Resolves an access token to its record when it is genuine, unexpired and unrevoked (its record
   * and grant still held), and (for purpose tokens) used for its purpose only. Returns undefined
   * otherwise.
   */
  // The JWT's `exp` is rounded up to whole seconds; the record's exact expiry (what `expires_at`
  // says) is what refuses the token, so the two never disagree.
  async verifyAccessToken(
    token: string,
    purpose: Purpose | undefined,
    options: { allowDisabledUser?: boolean } = {},
  ): Promise<AccessTokenRecord | undefined> {
    const { publicJwk } = await this.signingKeys();
    let jti: unknown;
    try {
      const { payload } = await jwtVerify(token, publicJwk, {
        algorithms: ['ES256'],
        currentDate: new Date(this.now()),
      });
      jti = payload.jti;
    } catch {
      return undefined;
    }
    const record = typeof jti === 'string' ? this.accessTokens.get(jti) : undefined;
    if (!record) return undefined;
    if (record.expiresAt <= this.now() || (record.familyId && !this.liveFamily(record.familyId))) {
      // Touched and found over: forgotten now rather than at the next sweep.
      this.accessTokens.delete(record.jti);
      return undefined;
    }
    if (record.purpose !== purpose) return undefined;
    if (record.userId && !options.allowDisabledUser && this.user(record.userId)?.disabled) {
      return undefined;
    }
    return record;
  }

  /** A grant that is live now; one found ended is forgotten on the spot. */
  private liveFamily(familyId: string): Family | undefined {
    const family = this.families.get(familyId);
    if (family && family.endsAt <= this.now()) {
      this.forget(family);
      return undefined;
    }
    return family;
  }

  /** Counts a user's live grants, for `maxTokensPerUser`: as many as the grants live now. */
  activeGrants(userId: string): number {
    const grants = this.grantsByUser.get(userId);
    if (!grants) return 0;
    // Grants that ended since the last sweep are still in the index; at the limit, they must not
    // count, so they are looked at then (never more than the limit of them).
    if (grants.size >= this.config.maxTokensPerUser) {
      const now = this.now();
      for (const family of grants) if (family.endsAt <= now) this.forget(family);
    }
    return grants.size;
  }

  /** Refuses a disabled user or one with too many live grants (403 in the OpenAPI). */
  assertUserMayGetTokens(userId: string, newGrant: boolean): UserConfig {
    const user = this.user(userId);
    if (!user) throw oauthError(401, 'invalid_grant', 'the user no longer exists');
    if (user.disabled) throw oauthError(403, 'user_disabled', 'the user is disabled');
    if (newGrant && this.activeGrants(userId) >= this.config.maxTokensPerUser) {
      throw oauthError(403, 'too_many_tokens', 'the user has reached the maximum number of tokens');
    }
    return user;
  }

  /** Starts a grant and returns its first token set. */
  async issueGrant(
    issuer: string,
    family: Pick<Family, 'userId' | 'clientId' | 'scope' | 'flow'>,
    authTime?: number,
  ): Promise<{ family: Family; response: TokenResponse }> {
    this.writing();
    const record: Family = { ...family, id: randomId(12), generation: 0, endsAt: this.now() };
    const client = this.client(record.clientId);
    if (issuesRefreshTokens(client, record.scope, record.flow)) {
      record.refreshExpiresAt = this.now() + refreshTokenTtlSeconds(this.config, client) * 1000;
      record.endsAt = record.refreshExpiresAt;
    }
    this.families.set(record.id, record);
    let grants = this.grantsByUser.get(record.userId);
    if (!grants) this.grantsByUser.set(record.userId, (grants = new Set()));
    grants.add(record);
    const response = await this.accessTokenResponse(issuer, record, authTime);
    if (record.refreshExpiresAt !== undefined) {
      response.refresh_token = await this.currentRefreshToken(record);
    }
    return { family: record, response };
  }

  /** Forgets a grant (revoked, or ended): its tokens stop working, its access tokens are swept. */
  private forget(family: Family): void {
    this.families.delete(family.id);
    const grants = this.grantsByUser.get(family.userId);
    grants?.delete(family);
    if (grants?.size === 0) this.grantsByUser.delete(family.userId);
  }

  /** The refresh token a grant holds now. */
  private currentRefreshToken(family: Family): Promise<string> {
    return this.refreshTokenSeal.seal({
      familyId: family.id,
      generation: family.generation,
      clientId: family.clientId,
      expiresAt: family.refreshExpiresAt!,
    });
  }

  /** A new access token of a grant, with its client's lifetime, as a token response. */
  private async accessTokenResponse(
    issuer: string,
    family: Family,
    authTime?: number,
  ): Promise<TokenResponse> {
    const ttl = accessTokenTtlSeconds(this.config, this.client(family.clientId));
    const { token, record } = await this.issueAccessToken(
      issuer,
      {
        userId: family.userId,
        clientId: family.clientId,
        scope: family.scope,
        familyId: family.id,
      },
      ttl,
    );
    return {
      access_token: token,
      token_type: 'bearer',
      ...this.expiry(record.expiresAt, ttl),
      scope: family.scope,
      ...(authTime ? { auth_time: Math.floor(authTime / 1000) } : {}),
    };
  }

  /** The expiry fields a response carries, per the `expiryFields` setting. */
  expiry(expiresAt: number, ttlSeconds: number): Pick<TokenResponse, 'expires_at' | 'expires_in'> {
    const mode = this.config.expiryFields;
    return {
      ...(mode !== 'expires_in' ? { expires_at: new Date(expiresAt).toISOString() } : {}),
      ...(mode !== 'expires_at' ? { expires_in: ttlSeconds } : {}),
    };
  }

  /** Makes a single-use authorization code bound to the PKCE challenge and redirect URI. */
  issueCode(pending: PendingAuthorization, session: LoginSession): string {
    this.writing();
    const code = randomId(32);
    this.codes.set(code, {
      code,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      scope: pending.scope,
      userId: session.userId,
      authTime: session.authTime,
      expiresAt: this.now() + this.config.authorizationCodeTtlSeconds * 1000,
      used: false,
    });
    return code;
  }

  /**
   * The `authorization_code` grant with its PKCE check (RFC 7636 section 4.6). A code is held
   * until it expires, used or not: a replay within its lifetime revokes what it gave (below); one
   * after it is refused like any unknown code.
   */
  async redeemCode(
    issuer: string,
    client: ClientConfig,
    codeValue: string,
    verifier: string,
    redirectUri: string,
  ): Promise<TokenResponse> {
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
      throw oauthError(
        400,
        'invalid_request',
        'code_verifier must be 43 to 128 unreserved characters',
      );
    }
    const code = this.codes.get(codeValue);
    if (!code) throw oauthError(401, 'invalid_grant', 'the authorization code is invalid');
    if (code.used) {
      // RFC 6749 section 4.1.2: a replayed code revokes what was issued from it.
      if (code.familyId) this.revokeFamily(code.familyId);
      throw oauthError(401, 'invalid_grant', 'the authorization code was already used');
    }
    code.used = true;
    if (code.expiresAt <= this.now()) {
      this.codes.delete(code.code);
      throw oauthError(401, 'invalid_grant', 'the authorization code has expired');
    }
    if (code.clientId !== client.clientId) {
      throw oauthError(401, 'invalid_grant', 'the authorization code was issued to another client');
    }
    if (code.redirectUri !== redirectUri) {
      throw oauthError(
        401,
        'invalid_grant',
        'redirect_uri does not match the authorization request',
      );
    }
    const challenge = await sha256Base64url(verifier);
    if (challenge !== code.codeChallenge) {
      throw oauthError(401, 'invalid_grant', 'code_verifier does not match the code_challenge');
    }
    this.assertUserMayGetTokens(code.userId, true);
    const { family, response } = await this.issueGrant(
      issuer,
      { userId: code.userId, clientId: client.clientId, scope: code.scope, flow: 'browser' },
      code.authTime,
    );
    code.familyId = family.id;
    return response;
  }

  /**
   * The `refresh_token` grant with rotation and reuse detection (RFC 9700 section 4.14.2): each
   * use rotates the refresh token, and a rotated-out one presented again revokes its grant. With
   * `reuseGraceSeconds`, the token rotated out last is accepted again for that long and answered
   * with the current one: the retry of a client whose answer was lost.
   */
  async refresh(
    issuer: string,
    clientId: string | undefined,
    secret: string | undefined,
    token: string,
  ): Promise<{ response: TokenResponse; reuseDetected: boolean }> {
    const claims = await this.refreshTokenSeal.open(token);
    if (!claims) throw oauthError(401, 'invalid_grant', 'the refresh token is invalid');
    if (clientId !== undefined && clientId !== claims.clientId) {
      throw oauthError(401, 'invalid_grant', 'the refresh token was issued to another client');
    }
    // RFC 6749 section 6: a confidential client authenticates to refresh. The OpenAPI's refresh
    // request carries client_secret without client_id, so the secret is checked against the
    // client the token was issued to. This comes before reuse detection: without the secret, a
    // stolen refresh token of a confidential client cannot even revoke its grant.
    if (
      clientId === undefined &&
      (secret !== undefined || this.client(claims.clientId)?.clientSecret !== undefined)
    ) {
      this.authenticateClient(claims.clientId, secret);
    }
    const now = this.now();
    const family = this.liveFamily(claims.familyId);
    // A sealed token of a grant no longer held: it expired with its grant, or was revoked.
    if (!family) throw refreshRefusal(claims, now);
    if (claims.generation < family.generation) return this.rotatedOut(issuer, family, claims, now);
    if (claims.generation > family.generation || family.refreshExpiresAt === undefined) {
      throw oauthError(401, 'invalid_grant', 'the refresh token is invalid');
    }
    if (family.refreshExpiresAt <= now) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has expired');
    }
    this.assertUserMayGetTokens(family.userId, false);
    this.stats.refreshes += 1;
    if (!this.config.rotateRefreshTokens) {
      const response = await this.accessTokenResponse(issuer, family);
      return { response: { ...response, refresh_token: token }, reuseDetected: false };
    }
    // Rotated before anything is awaited: a second use of the same token meanwhile is a reuse.
    family.generation += 1;
    family.rotatedAt = now;
    family.refreshExpiresAt =
      now + refreshTokenTtlSeconds(this.config, this.client(family.clientId)) * 1000;
    family.endsAt = Math.max(family.endsAt, family.refreshExpiresAt);
    return { response: await this.rotatedResponse(issuer, family), reuseDetected: false };
  }

  /** A new access token and the grant's current refresh token. */
  private async rotatedResponse(issuer: string, family: Family): Promise<TokenResponse> {
    const refreshToken = this.currentRefreshToken(family);
    const response = await this.accessTokenResponse(issuer, family);
    return { ...response, refresh_token: await refreshToken };
  }

  /**
   * A rotated-out refresh token presented again. Within the reuse grace period, the one rotated
   * out last gets a new access token and the current refresh token (so a client that lost the
   * answer continues). Otherwise, with reuse detection, the grant is revoked; without it, the
   * token is refused as revoked.
   */
  private async rotatedOut(
    issuer: string,
    family: Family,
    claims: RefreshTokenClaims,
    now: number,
  ): Promise<{ response: TokenResponse; reuseDetected: boolean }> {
    const graceMs = (this.config.reuseGraceSeconds ?? 0) * 1000;
    if (
      graceMs > 0 &&
      claims.generation === family.generation - 1 &&
      family.rotatedAt !== undefined &&
      now - family.rotatedAt < graceMs &&
      family.refreshExpiresAt! > now
    ) {
      this.assertUserMayGetTokens(family.userId, false);
      this.stats.refreshes += 1;
      return { response: await this.rotatedResponse(issuer, family), reuseDetected: false };
    }
    if (!this.config.reuseDetection) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has been revoked');
    }
    this.revokeFamily(family.id);
    this.stats.reuseDetections += 1;
    const error = oauthError(
      401,
      'invalid_grant',
      'the refresh token was already used; its grant is revoked',
    );
    throw Object.assign(error, { reuseDetected: true });
  }

  /** RFC 8693 exchange of a user's access token for a short-lived purpose token. */
  async exchange(issuer: string, client: ClientConfig, subjectToken: string, purpose: Purpose) {
    // A disabled user's token is genuine: the exchange refuses it with 403, not 401, below.
    const subject = await this.verifyAccessToken(subjectToken, undefined, {
      allowDisabledUser: true,
    });
    if (!subject) throw oauthError(401, 'invalid_grant', 'subject_token is invalid or expired');
    if (subject.clientId !== client.clientId) {
      throw oauthError(401, 'invalid_grant', 'subject_token was issued to another client');
    }
    if (subject.userId) this.assertUserMayGetTokens(subject.userId, false);
    const ttl = Math.min(
      this.config.purposeTokenTtlSeconds,
      Math.max(1, Math.floor((subject.expiresAt - this.now()) / 1000)),
    );
    const { token, record } = await this.issueAccessToken(
      issuer,
      {
        clientId: client.clientId,
        scope: subject.scope,
        purpose,
        ...(subject.userId ? { userId: subject.userId } : {}),
        ...(subject.familyId ? { familyId: subject.familyId } : {}),
      },
      ttl,
    );
    const response: TokenResponse = {
      access_token: token,
      token_type: 'bearer',
      ...this.expiry(record.expiresAt, ttl),
      scope: subject.scope,
      issued_token_type: ACCESS_TOKEN_TYPE,
    };
    return response;
  }

  /**
   * Revokes a grant: its refresh tokens and every access token issued from it stop working at
   * once (they need the grant), and the access tokens are forgotten at the next sweep.
   */
  revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) this.forget(family);
  }

  /**
   * RFC 7009 revocation: a refresh token revokes its grant; an access token only itself.
   *
   * RFC 7009 section 2.1: the client's credentials are checked first (a confidential client
   * must authenticate), then that the token was issued to that client; otherwise nothing is
   * revoked and the request is refused. `clientId` is the client that authenticated (or named
   * itself, for a public client), if any.
   */
  async revoke(
    token: string,
    clientId: string | undefined,
    secret: string | undefined,
  ): Promise<void> {
    const refresh = await this.refreshTokenSeal.open(token);
    const access = refresh ? undefined : await this.accessTokenRecord(token);
    const owner = refresh ? refresh.clientId : access?.clientId;
    // RFC 7009 section 2.2: an unknown token is not an error.
    if (owner === undefined) return;
    if (clientId !== undefined && clientId !== owner) {
      throw oauthError(400, 'unauthorized_client', 'the token was issued to another client');
    }
    if (
      clientId === undefined &&
      (secret !== undefined || this.client(owner)?.clientSecret !== undefined)
    ) {
      this.authenticateClient(owner, secret);
    }
    if (refresh) {
      this.revokeFamily(refresh.familyId);
      this.stats.revocations += 1;
    } else if (access) {
      this.accessTokens.delete(access.jti);
      this.stats.revocations += 1;
    }
  }

  /** The record of a genuine access token of this tenant, expired or not; else undefined. */
  private async accessTokenRecord(token: string): Promise<AccessTokenRecord | undefined> {
    const { publicJwk } = await this.signingKeys();
    try {
      const { payload } = await jwtVerify(token, publicJwk, {
        algorithms: ['ES256'],
        currentDate: new Date(this.now()),
        clockTolerance: 10 * 365 * 86400,
      });
      return typeof payload.jti === 'string' ? this.accessTokens.get(payload.jti) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes every live access token of a user (purpose tokens included) expire now, as if their
   * lifetime had run out: the next API call with one gets 401, while the refresh token still
   * works, so a client must refresh. Returns how many tokens it expired.
   */
  expireUserTokens(userId: string): number {
    const now = this.now();
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (record.userId !== userId || record.expiresAt <= now) continue;
      if (record.familyId && !this.families.has(record.familyId)) continue;
      record.expiresAt = now;
      count += 1;
    }
    return count;
  }

  /** Revokes every grant of a user (the control API's "revoked on the server"). */
  revokeUser(userId: string): number {
    const now = this.now();
    let count = 0;
    for (const family of [...(this.grantsByUser.get(userId) ?? [])]) {
      if (family.endsAt > now) count += 1;
      this.forget(family);
    }
    return count;
  }
}

/**
 * Why a sealed refresh token of a grant the tenant no longer holds is refused: past its own
 * expiry it has expired; before it, its grant can only have been revoked (or the tenant reset).
 */
function refreshRefusal(claims: RefreshTokenClaims, now: number) {
  return claims.expiresAt <= now
    ? oauthError(401, 'invalid_grant', 'the refresh token has expired')
    : oauthError(401, 'invalid_grant', 'the refresh token has been revoked');
}
