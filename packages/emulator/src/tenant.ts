import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWK, type CryptoKey } from 'jose';
import type { ClientConfig, EmulatorConfig, UserConfig } from './config.js';
import { constantTimeEqual, randomId, sha256Base64url } from './encoding.js';
import { oauthError } from './errors.js';
import {
  accessTokenTtlSeconds,
  issuesRefreshTokens,
  refreshTokenTtlSeconds,
} from './client-policy.js';

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
  revoked: boolean;
}

/** A refresh token; rotation keeps the used ones so reuse can be detected. */
export interface RefreshTokenRecord {
  familyId: string;
  status: 'active' | 'used' | 'revoked';
  expiresAt: number;
}

/** One grant: the tokens that descend from one sign-in or impersonation. */
export interface Family {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  /** How the grant began: a user's sign-in in a browser, or a machine-to-machine grant. */
  flow: 'browser' | 'm2m';
  revoked: boolean;
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
 */
export class Tenant {
  readonly tenantId = 'emulator-tenant';
  readonly pending = new Map<string, PendingAuthorization>();
  readonly sessions = new Map<string, LoginSession>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly families = new Map<string, Family>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** Counters the control API reports, so tests can assert what the tenant saw. */
  readonly stats = { tokensIssued: 0, refreshes: 0, reuseDetections: 0, revocations: 0 };
  private keys?: { privateKey: CryptoKey; publicJwk: JWK };

  constructor(
    public config: EmulatorConfig,
    readonly now: () => number = Date.now,
  ) {}

  /** Forgets every session, code and token, and counters; keys and config stay. */
  reset(config: EmulatorConfig): void {
    this.config = config;
    for (const map of [this.pending, this.sessions, this.codes, this.families]) map.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    Object.assign(this.stats, {
      tokensIssued: 0,
      refreshes: 0,
      reuseDetections: 0,
      revocations: 0,
    });
  }

  /**
   * Keeps an authorization request for the login page: first forgets those that have expired,
   * then, at {@link MAX_PENDING_AUTHORIZATIONS}, the oldest.
   */
  addPending(pending: PendingAuthorization): void {
    const now = this.now();
    for (const [id, waiting] of this.pending) {
      if (waiting.expiresAt <= now) this.pending.delete(id);
    }
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
    // Ended sessions are forgotten as they are found; this sweeps those nobody came back to.
    for (const id of [...this.sessions.keys()]) this.useLoginSession(id, false);
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
   * The login session with this id, if it is still alive, marked as used now. A session idle
   * longer than its inactivity timeout, or older than its maximum duration, has ended: it is
   * forgotten, as Qlik Cloud signs the user out (same page as {@link startLoginSession}). Only
   * visits to the tenant with its cookie count as use: token lifetimes are independent of the
   * session and do not extend it ("Configuring OAuth token duration",
   * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm).
   */
  useLoginSession(id: string | undefined, touch = true): LoginSession | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (
      now - session.lastActiveAt >= session.inactivityTimeoutMs ||
      now - session.authTime >= session.maxDurationMs ||
      !this.user(session.userId)
    ) {
      this.sessions.delete(session.id);
      return undefined;
    }
    if (touch) session.lastActiveAt = now;
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

  /** Signs and records an access token. */
  async issueAccessToken(
    issuer: string,
    fields: Omit<AccessTokenRecord, 'jti' | 'revoked' | 'expiresAt'>,
    ttlSeconds: number,
  ): Promise<{ token: string; record: AccessTokenRecord }> {
    const { privateKey, publicJwk } = await this.signingKeys();
    const now = this.now();
    const record: AccessTokenRecord = {
      ...fields,
      jti: randomId(16),
      expiresAt: now + ttlSeconds * 1000,
      revoked: false,
    };
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
    this.accessTokens.set(record.jti, record);
    this.stats.tokensIssued += 1;
    return { token, record };
  }

  /**
   * Resolves an access token to its record when it is genuine, unexpired and unrevoked, and
   * (for purpose tokens) used for its purpose only. Returns undefined otherwise.
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
    if (!record || record.revoked || record.expiresAt <= this.now()) return undefined;
    if (record.purpose !== purpose) return undefined;
    if (record.familyId && this.families.get(record.familyId)?.revoked) return undefined;
    if (record.userId && !options.allowDisabledUser && this.user(record.userId)?.disabled) {
      return undefined;
    }
    return record;
  }

  /** Counts a user's live grants, for `maxTokensPerUser`. */
  activeGrants(userId: string): number {
    let count = 0;
    for (const family of this.families.values()) {
      if (family.userId === userId && !family.revoked) count += 1;
    }
    return count;
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
    family: Omit<Family, 'id' | 'revoked'>,
    authTime?: number,
  ): Promise<{ family: Family; response: TokenResponse }> {
    const record: Family = { ...family, id: randomId(12), revoked: false };
    this.families.set(record.id, record);
    return { family: record, response: await this.tokenSet(issuer, record, authTime) };
  }

  /**
   * An access token for a family, with its client's lifetime, plus a refresh token where Qlik
   * Cloud issues one (see {@link issuesRefreshTokens}).
   */
  async tokenSet(issuer: string, family: Family, authTime?: number): Promise<TokenResponse> {
    const client = this.client(family.clientId);
    const ttl = accessTokenTtlSeconds(this.config, client);
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
    const response: TokenResponse = {
      access_token: token,
      token_type: 'bearer',
      ...this.expiry(record.expiresAt, ttl),
      scope: family.scope,
      ...(authTime ? { auth_time: Math.floor(authTime / 1000) } : {}),
    };
    if (issuesRefreshTokens(client, family.scope, family.flow)) {
      const refreshToken = randomId(32);
      this.refreshTokens.set(refreshToken, {
        familyId: family.id,
        status: 'active',
        expiresAt: this.now() + refreshTokenTtlSeconds(this.config, client) * 1000,
      });
      response.refresh_token = refreshToken;
    }
    return response;
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

  /** The `authorization_code` grant with its PKCE check (RFC 7636 section 4.6). */
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

  /** The `refresh_token` grant with rotation and reuse detection. */
  async refresh(
    issuer: string,
    clientId: string | undefined,
    secret: string | undefined,
    token: string,
  ): Promise<{ response: TokenResponse; reuseDetected: boolean }> {
    const record = this.refreshTokens.get(token);
    const family = record ? this.families.get(record.familyId) : undefined;
    if (!record || !family) throw oauthError(401, 'invalid_grant', 'the refresh token is invalid');
    if (clientId !== undefined && clientId !== family.clientId) {
      throw oauthError(401, 'invalid_grant', 'the refresh token was issued to another client');
    }
    // RFC 6749 section 6: a confidential client authenticates to refresh. The OpenAPI's refresh
    // request carries client_secret without client_id, so the secret is checked against the
    // client the token was issued to. This comes before reuse detection: without the secret, a
    // stolen refresh token of a confidential client cannot even revoke its grant.
    if (
      clientId === undefined &&
      (secret !== undefined || this.client(family.clientId)?.clientSecret !== undefined)
    ) {
      this.authenticateClient(family.clientId, secret);
    }
    if (record.status === 'used' && !family.revoked && this.config.reuseDetection) {
      this.revokeFamily(family.id);
      this.stats.reuseDetections += 1;
      const error = oauthError(
        401,
        'invalid_grant',
        'the refresh token was already used; its grant is revoked',
      );
      throw Object.assign(error, { reuseDetected: true });
    }
    if (record.status !== 'active' || family.revoked) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has been revoked');
    }
    if (record.expiresAt <= this.now()) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has expired');
    }
    this.assertUserMayGetTokens(family.userId, false);
    this.stats.refreshes += 1;
    if (!this.config.rotateRefreshTokens) {
      const response = await this.tokenSet(issuer, family);
      this.refreshTokens.delete(response.refresh_token!);
      return { response: { ...response, refresh_token: token }, reuseDetected: false };
    }
    record.status = 'used';
    return { response: await this.tokenSet(issuer, family), reuseDetected: false };
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

  /** Revokes a grant: all its refresh tokens and every access token issued from it. */
  revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (!family || family.revoked) return;
    family.revoked = true;
    for (const record of this.refreshTokens.values()) {
      if (record.familyId === familyId) record.status = 'revoked';
    }
    for (const record of this.accessTokens.values()) {
      if (record.familyId === familyId) record.revoked = true;
    }
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
    const refresh = this.refreshTokens.get(token);
    const access = refresh ? undefined : await this.accessTokenRecord(token);
    const owner = refresh ? this.families.get(refresh.familyId)?.clientId : access?.clientId;
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
    } else if (access && !access.revoked) {
      access.revoked = true;
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
      if (record.userId === userId && !record.revoked && record.expiresAt > now) {
        record.expiresAt = now;
        count += 1;
      }
    }
    return count;
  }

  /** Revokes every grant of a user (the control API's "revoked on the server"). */
  revokeUser(userId: string): number {
    let count = 0;
    for (const family of this.families.values()) {
      if (family.userId === userId && !family.revoked) {
        this.revokeFamily(family.id);
        count += 1;
      }
    }
    return count;
  }
}
