import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWK, type CryptoKey } from 'jose';
import type { ClientConfig } from '../config/config.js';
import { randomId } from '../encoding.js';
import { oauthError } from '../http/errors.js';
import {
  ACCESS_TOKEN_TYPE,
  type AccessTokenRecord,
  type Purpose,
  type TokenResponse,
} from './records.js';
import type { Tenant } from './tenant.js';

/**
 * A tenant's access tokens (purpose tokens included): ES256 JWTs, each with a record that says
 * what it stands for. A record is held until its token expires, is revoked, or its grant ends.
 */
/** The `iss` of every Qlik Cloud access token (https://qlik.dev/changelog/67-oauth-token-contents). */
export const QLIK_ISSUER = 'qlik.api';

export class AccessTokens {
  readonly records = new Map<string, AccessTokenRecord>();
  private keys?: { privateKey: CryptoKey; publicJwk: JWK };

  constructor(private readonly tenant: Tenant) {}

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
  async issue(
    issuer: string,
    fields: Omit<AccessTokenRecord, 'jti' | 'expiresAt'>,
    ttlSeconds: number,
  ): Promise<{ token: string; record: AccessTokenRecord }> {
    const { tenant } = this;
    tenant.writing();
    const now = tenant.now();
    const record: AccessTokenRecord = {
      ...fields,
      jti: randomId(16),
      expiresAt: now + ttlSeconds * 1000,
    };
    this.records.set(record.jti, record);
    tenant.stats.tokensIssued += 1;
    if (record.familyId) tenant.grants.lastsUntil(record.familyId, record.expiresAt);
    const { privateKey, publicJwk } = await this.signingKeys();
    // Shaped like Qlik Cloud's access tokens since November 2023 (qlik.dev changelog "OAuth
    // tokens no longer contain PII", https://qlik.dev/changelog/67-oauth-token-contents): only
    // `subType`, `purpose`, `jti`, `iat`, `exp`, `aud` (the tenant's URL) and `iss: "qlik.api"`;
    // no user, tenant, client or scope. Qlik says to treat them as opaque, and so does the
    // emulator: everything it needs about a token is in its record, found by `jti`. The
    // changelog shows a user's access token (`subType: "user"`, `purpose: "accessToken"`); what
    // a client-credentials token or a purpose token (RFC 8693 exchange) carries there is not
    // published, so the emulator's `subType: "client"` and `purpose: "websocket"` /
    // `"webresource"` for those are its own choice, not Qlik's.
    const token = await new SignJWT({
      subType: record.userId ? 'user' : 'client',
      purpose: record.purpose ?? 'accessToken',
    })
      .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid!, typ: 'at+jwt' })
      .setIssuer(QLIK_ISSUER)
      .setAudience(issuer)
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
  async verify(
    token: string,
    purpose: Purpose | undefined,
    options: { allowDisabledUser?: boolean } = {},
  ): Promise<AccessTokenRecord | undefined> {
    const { tenant } = this;
    const { publicJwk } = await this.signingKeys();
    let jti: unknown;
    try {
      const { payload } = await jwtVerify(token, publicJwk, {
        algorithms: ['ES256'],
        currentDate: new Date(tenant.now()),
      });
      jti = payload.jti;
    } catch {
      return undefined;
    }
    const record = typeof jti === 'string' ? this.records.get(jti) : undefined;
    if (!record) return undefined;
    if (
      record.expiresAt <= tenant.now() ||
      (record.familyId && !tenant.grants.live(record.familyId))
    ) {
      // Touched and found over: forgotten now rather than at the next sweep.
      this.records.delete(record.jti);
      return undefined;
    }
    if (record.purpose !== purpose) return undefined;
    if (record.userId && !options.allowDisabledUser && tenant.user(record.userId)?.disabled) {
      return undefined;
    }
    return record;
  }

  /** The record of a genuine access token of this tenant, expired or not; else undefined. */
  async recordOf(token: string): Promise<AccessTokenRecord | undefined> {
    const { publicJwk } = await this.signingKeys();
    try {
      const { payload } = await jwtVerify(token, publicJwk, {
        algorithms: ['ES256'],
        currentDate: new Date(this.tenant.now()),
        clockTolerance: 10 * 365 * 86400,
      });
      return typeof payload.jti === 'string' ? this.records.get(payload.jti) : undefined;
    } catch {
      return undefined;
    }
  }

  /** RFC 8693 exchange of a user's access token for a short-lived purpose token. */
  async exchange(
    issuer: string,
    client: ClientConfig,
    subjectToken: string,
    purpose: Purpose,
  ): Promise<TokenResponse> {
    const { tenant } = this;
    // A disabled user's token is genuine: the exchange refuses it with 403, not 401, below.
    const subject = await this.verify(subjectToken, undefined, { allowDisabledUser: true });
    if (!subject) throw oauthError(401, 'invalid_grant', 'subject_token is invalid or expired');
    if (subject.clientId !== client.clientId) {
      throw oauthError(401, 'invalid_grant', 'subject_token was issued to another client');
    }
    if (subject.userId) tenant.assertUserMayGetTokens(subject.userId, false);
    const ttl = Math.min(
      tenant.config.purposeTokenTtlSeconds,
      Math.max(1, Math.floor((subject.expiresAt - tenant.now()) / 1000)),
    );
    const { token, record } = await this.issue(
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
    return {
      access_token: token,
      token_type: 'bearer',
      ...tenant.expiry(record.expiresAt, ttl),
      scope: subject.scope,
      issued_token_type: ACCESS_TOKEN_TYPE,
    };
  }

  /**
   * Makes every live access token of a user (purpose tokens included) expire now, as if their
   * lifetime had run out: the next API call with one gets 401, while the refresh token still
   * works, so a client must refresh. Returns how many tokens it expired.
   */
  expireUser(userId: string): number {
    const now = this.tenant.now();
    let count = 0;
    for (const record of this.records.values()) {
      if (record.userId !== userId || record.expiresAt <= now) continue;
      if (record.familyId && !this.tenant.grants.families.has(record.familyId)) continue;
      record.expiresAt = now;
      count += 1;
    }
    return count;
  }

  /** Forgets the tokens that have expired by `now`, or whose grant is gone (revoked). */
  sweep(now: number): void {
    const { families } = this.tenant.grants;
    for (const [jti, token] of this.records) {
      if (token.expiresAt <= now || (token.familyId && !families.has(token.familyId))) {
        this.records.delete(jti);
      }
    }
  }
}
