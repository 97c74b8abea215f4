import { randomId } from '../encoding.js';
import { oauthError } from '../http/errors.js';
import {
  accessTokenTtlSeconds,
  issuesRefreshTokens,
  refreshTokenTtlSeconds,
} from '../config/client-policy.js';
import type { Family, TokenResponse } from './records.js';
import { createRefreshTokenSeal, type RefreshTokenClaims } from './refresh-token.js';
import type { Tenant } from './tenant.js';

/** What the refresh grant answers, and whether the request was a reuse (for the request log). */
export interface RefreshOutcome {
  response: TokenResponse;
  reuseDetected: boolean;
}

/**
 * A tenant's grants: each the tokens that descend from one sign-in or impersonation, with its
 * refresh token's rotation. A grant is held until it is revoked or its last token expires; an
 * index per user keeps counting a user's live grants independent of how many there ever were.
 */
export class Grants {
  /** The live grants. */
  readonly families = new Map<string, Family>();
  private readonly byUser = new Map<string, Set<Family>>();
  private readonly seal = createRefreshTokenSeal();

  constructor(private readonly tenant: Tenant) {}

  /** Starts a grant and returns its first token set. */
  async issue(
    issuer: string,
    fields: Pick<Family, 'userId' | 'clientId' | 'scope' | 'flow'>,
    authTime?: number,
  ): Promise<{ family: Family; response: TokenResponse }> {
    const { tenant } = this;
    tenant.writing();
    const now = tenant.now();
    const family: Family = { ...fields, id: randomId(12), generation: 0, endsAt: now };
    const client = tenant.client(family.clientId);
    if (issuesRefreshTokens(client, family.scope, family.flow)) {
      family.refreshExpiresAt = now + refreshTokenTtlSeconds(tenant.config, client) * 1000;
      family.endsAt = family.refreshExpiresAt;
    }
    this.families.set(family.id, family);
    let grants = this.byUser.get(family.userId);
    if (!grants) this.byUser.set(family.userId, (grants = new Set()));
    grants.add(family);
    const response = await this.accessTokenResponse(issuer, family, authTime);
    if (family.refreshExpiresAt !== undefined) {
      response.refresh_token = await this.currentRefreshToken(family);
    }
    return { family, response };
  }

  /** A grant that is live now; one found ended is forgotten on the spot. */
  live(familyId: string): Family | undefined {
    const family = this.families.get(familyId);
    if (family && family.endsAt <= this.tenant.now()) {
      this.forget(family);
      return undefined;
    }
    return family;
  }

  /** Tells a grant that a token issued from it lives until `expiresAt`: it lasts that long. */
  lastsUntil(familyId: string, expiresAt: number): void {
    const family = this.families.get(familyId);
    if (family) family.endsAt = Math.max(family.endsAt, expiresAt);
  }

  /** How many grants a user holds now, for `maxTokensPerUser` (at most `limit` are looked at). */
  count(userId: string, limit: number): number {
    const grants = this.byUser.get(userId);
    if (!grants) return 0;
    // Grants that ended since the last sweep are still in the index; at the limit, they must not
    // count, so they are looked at then (never more than the limit of them).
    if (grants.size >= limit) {
      const now = this.tenant.now();
      for (const family of grants) if (family.endsAt <= now) this.forget(family);
    }
    return grants.size;
  }

  /** The claims of a refresh token this tenant sealed; undefined for anything else. */
  open(token: string): Promise<RefreshTokenClaims | undefined> {
    return this.seal.open(token);
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
  ): Promise<RefreshOutcome> {
    const { tenant } = this;
    const claims = await this.seal.open(token);
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
      (secret !== undefined || tenant.client(claims.clientId)?.clientSecret !== undefined)
    ) {
      tenant.authenticateClient(claims.clientId, secret);
    }
    const now = tenant.now();
    const family = this.live(claims.familyId);
    // A sealed token of a grant no longer held: it expired with its grant, or was revoked.
    if (!family) throw refreshRefusal(claims, now);
    if (claims.generation < family.generation) return this.rotatedOut(issuer, family, claims, now);
    if (claims.generation > family.generation || family.refreshExpiresAt === undefined) {
      throw oauthError(401, 'invalid_grant', 'the refresh token is invalid');
    }
    if (family.refreshExpiresAt <= now) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has expired');
    }
    tenant.assertUserMayGetTokens(family.userId, false);
    tenant.stats.refreshes += 1;
    if (!tenant.config.rotateRefreshTokens) {
      const response = await this.accessTokenResponse(issuer, family);
      return { response: { ...response, refresh_token: token }, reuseDetected: false };
    }
    // Rotated before anything is awaited: a second use of the same token meanwhile is a reuse.
    family.generation += 1;
    family.rotatedAt = now;
    family.refreshExpiresAt =
      now + refreshTokenTtlSeconds(tenant.config, tenant.client(family.clientId)) * 1000;
    family.endsAt = Math.max(family.endsAt, family.refreshExpiresAt);
    return { response: await this.rotatedResponse(issuer, family), reuseDetected: false };
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
  ): Promise<RefreshOutcome> {
    const { tenant } = this;
    const graceMs = (tenant.config.reuseGraceSeconds ?? 0) * 1000;
    if (
      graceMs > 0 &&
      claims.generation === family.generation - 1 &&
      family.rotatedAt !== undefined &&
      now - family.rotatedAt < graceMs &&
      family.refreshExpiresAt! > now
    ) {
      tenant.assertUserMayGetTokens(family.userId, false);
      tenant.stats.refreshes += 1;
      return { response: await this.rotatedResponse(issuer, family), reuseDetected: false };
    }
    if (!tenant.config.reuseDetection) {
      throw oauthError(401, 'invalid_grant', 'the refresh token has been revoked');
    }
    this.revoke(family.id);
    tenant.stats.reuseDetections += 1;
    const error = oauthError(
      401,
      'invalid_grant',
      'the refresh token was already used; its grant is revoked',
    );
    throw Object.assign(error, { reuseDetected: true });
  }

  /** A new access token and the grant's current refresh token. */
  private async rotatedResponse(issuer: string, family: Family): Promise<TokenResponse> {
    const refreshToken = this.currentRefreshToken(family);
    const response = await this.accessTokenResponse(issuer, family);
    return { ...response, refresh_token: await refreshToken };
  }

  /** The refresh token a grant holds now. */
  private currentRefreshToken(family: Family): Promise<string> {
    return this.seal.seal({
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
    const { tenant } = this;
    const ttl = accessTokenTtlSeconds(tenant.config, tenant.client(family.clientId));
    const { token, record } = await tenant.accessTokens.issue(
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
      ...tenant.expiry(record.expiresAt, ttl),
      scope: family.scope,
      ...(authTime ? { auth_time: Math.floor(authTime / 1000) } : {}),
    };
  }

  /**
   * Revokes a grant: its refresh tokens and every access token issued from it stop working at
   * once (they need the grant), and the access tokens are forgotten at the next sweep.
   */
  revoke(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) this.forget(family);
  }

  /** Revokes every grant of a user (the control API's "revoked on the server"); how many lived. */
  revokeUser(userId: string): number {
    const now = this.tenant.now();
    let count = 0;
    for (const family of [...(this.byUser.get(userId) ?? [])]) {
      if (family.endsAt > now) count += 1;
      this.forget(family);
    }
    return count;
  }

  /** Forgets a grant (revoked, or ended): its tokens stop working, its access tokens are swept. */
  private forget(family: Family): void {
    this.families.delete(family.id);
    const grants = this.byUser.get(family.userId);
    grants?.delete(family);
    if (grants?.size === 0) this.byUser.delete(family.userId);
  }

  /** Forgets the grants whose last token has expired by `now`. */
  sweep(now: number): void {
    for (const family of this.families.values()) if (family.endsAt <= now) this.forget(family);
  }

  /** Forgets every grant (a reset). */
  clear(): void {
    this.families.clear();
    this.byUser.clear();
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
