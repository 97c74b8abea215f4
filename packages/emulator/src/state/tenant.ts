import type { ClientConfig, EmulatorConfig, UserConfig } from '../config/config.js';
import { constantTimeEqual } from '../encoding.js';
import { oauthError } from '../http/errors.js';
import { AccessTokens } from './access-tokens.js';
import { Codes } from './codes.js';
import { Grants } from './grants.js';
import { RateLimits } from './rate-limits.js';
import type { HeldRecords, TokenResponse } from './records.js';
import { SignIns } from './sign-ins.js';
import { SWEEP_INTERVAL_MS, createSweepTimer } from './sweep.js';

export { randomId } from '../encoding.js';
export * from './records.js';

/**
 * The state of one emulated tenant: clients, users, sign-ins, codes, grants and tokens. Pure state
 * and rules; HTTP lives in the routes. All times are epoch milliseconds from the injected clock.
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
  /** Counters the control API reports, so tests can assert what the tenant saw. */
  readonly stats = { tokensIssued: 0, refreshes: 0, reuseDetections: 0, revocations: 0 };
  readonly signIns = new SignIns(this);
  readonly codes = new Codes(this);
  readonly grants = new Grants(this);
  readonly accessTokens = new AccessTokens(this);
  /** Qlik's per-user API rate limits of the OAuth endpoints (see {@link RateLimits}). */
  readonly rateLimits = new RateLimits(this);
  private readonly sweepTimer = createSweepTimer(this);
  /** When (by the tenant's clock) the last sweep ran. */
  private lastSweep = -Infinity;

  constructor(
    public config: EmulatorConfig,
    readonly now: () => number = Date.now,
  ) {}

  /** Forgets every sign-in, code, grant and token, and counters; keys and config stay. */
  reset(config: EmulatorConfig): void {
    this.config = config;
    this.signIns.clear();
    this.codes.codes.clear();
    this.grants.clear();
    this.accessTokens.records.clear();
    this.rateLimits.clear();
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
    this.signIns.sweep(now);
    this.codes.sweep(now);
    // Grants before access tokens: the tokens of a grant that ends now go in the same sweep.
    this.grants.sweep(now);
    this.accessTokens.sweep(now);
    this.rateLimits.sweep(now);
  }

  /**
   * Called before every new record: keeps the sweep timer running, and sweeps when the tenant's
   * clock has moved on a whole interval since the last sweep, so memory stays bounded by the
   * clock even where the timer cannot run (a clock moved by hand, a busy event loop).
   */
  writing(): void {
    this.sweepTimer.start();
    if (this.now() - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep();
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
      pendingSignIns: this.signIns.pending.size,
      loginSessions: this.signIns.sessions.size,
      codes: this.codes.codes.size,
      grants: this.grants.families.size,
      accessTokens: this.accessTokens.records.size,
      rateLimitWindows: this.rateLimits.windows.size,
    };
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

  /** Refuses a disabled user or one with too many live grants (403 in the OpenAPI). */
  assertUserMayGetTokens(userId: string, newGrant: boolean): UserConfig {
    const user = this.user(userId);
    if (!user) throw oauthError(401, 'invalid_grant', 'the user no longer exists');
    if (user.disabled) throw oauthError(403, 'user_disabled', 'the user is disabled');
    const limit = this.config.maxTokensPerUser;
    if (newGrant && this.grants.count(userId, limit) >= limit) {
      throw oauthError(403, 'too_many_tokens', 'the user has reached the maximum number of tokens');
    }
    return user;
  }

  /** The expiry fields a response carries, per the `expiryFields` setting. */
  expiry(expiresAt: number, ttlSeconds: number): Pick<TokenResponse, 'expires_at' | 'expires_in'> {
    const mode = this.config.expiryFields;
    return {
      ...(mode !== 'expires_in' ? { expires_at: new Date(expiresAt).toISOString() } : {}),
      ...(mode !== 'expires_at' ? { expires_in: ttlSeconds } : {}),
    };
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
    const refresh = await this.grants.open(token);
    const access = refresh ? undefined : await this.accessTokens.recordOf(token);
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
      this.grants.revoke(refresh.familyId);
      this.stats.revocations += 1;
    } else if (access) {
      this.accessTokens.records.delete(access.jti);
      this.stats.revocations += 1;
    }
  }
}
