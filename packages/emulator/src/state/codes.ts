import type { ClientConfig } from '../config/config.js';
import { randomId, sha256Base64url } from '../encoding.js';
import { oauthError } from '../http/errors.js';
import type {
  AuthorizationCode,
  LoginSession,
  PendingAuthorization,
  TokenResponse,
} from './records.js';
import type { Tenant } from './tenant.js';

/**
 * A tenant's authorization codes. A code is held until it expires, used or not: a replay within
 * its lifetime revokes what it gave; one after it is refused like any unknown code.
 */
export class Codes {
  readonly codes = new Map<string, AuthorizationCode>();

  constructor(private readonly tenant: Tenant) {}

  /** Makes a single-use authorization code bound to the PKCE challenge and redirect URI. */
  issue(pending: PendingAuthorization, session: LoginSession): string {
    const { tenant } = this;
    tenant.writing();
    const code = randomId(32);
    this.codes.set(code, {
      code,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      scope: pending.scope,
      userId: session.userId,
      authTime: session.authTime,
      expiresAt: tenant.now() + tenant.config.authorizationCodeTtlSeconds * 1000,
      used: false,
    });
    return code;
  }

  /** The `authorization_code` grant with its PKCE check (RFC 7636 section 4.6). */
  async redeem(
    issuer: string,
    client: ClientConfig,
    codeValue: string,
    verifier: string,
    redirectUri: string,
  ): Promise<TokenResponse> {
    const { tenant } = this;
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
      if (code.familyId) tenant.grants.revoke(code.familyId);
      throw oauthError(401, 'invalid_grant', 'the authorization code was already used');
    }
    code.used = true;
    if (code.expiresAt <= tenant.now()) {
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
    tenant.assertUserMayGetTokens(code.userId, true);
    const { family, response } = await tenant.grants.issue(
      issuer,
      { userId: code.userId, clientId: client.clientId, scope: code.scope, flow: 'browser' },
      code.authTime,
    );
    code.familyId = family.id;
    return response;
  }

  /** Forgets the codes that have expired by `now`, used or not. */
  sweep(now: number): void {
    for (const [value, code] of this.codes) if (code.expiresAt <= now) this.codes.delete(value);
  }
}
