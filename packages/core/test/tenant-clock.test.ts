import { describe, expect, it } from 'vitest';
import { renewAt } from '../src/schedule.js';
import { sessionFromTokenResponse } from '../src/session.js';
import { TENANT_TIME, type TokenResponse } from '../src/token-endpoint.js';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;

/** An unsigned JWT with the given claims: the core reads, never verifies, an access token. */
const jwt = (claims: object) =>
  ['{"alg":"none"}', JSON.stringify(claims)]
    .map((part) => Buffer.from(part).toString('base64url'))
    .join('.') + '.';

const response = (fields: Partial<TokenResponse>): TokenResponse =>
  ({ token_type: 'bearer', access_token: 'opaque', ...fields }) as TokenResponse;

describe('the tenant’s clock in a token response', () => {
  it('trusts an iat that agrees with this clock to the millisecond over a Date header far off', () => {
    const session = sessionFromTokenResponse(
      response({
        access_token: jwt({ iat: NOW / 1000 }),
        expires_at: new Date(NOW + HOUR).toISOString(),
        // A server (or a proxy) whose Date is years off: the iat is the better witness.
        [TENANT_TIME]: NOW - 3 * 365 * 24 * HOUR,
      } as Partial<TokenResponse>),
      NOW,
      [],
    );
    expect(session.expiresAt).toBe(NOW + HOUR);
  });

  it('moves expires_at onto this clock by the iat’s offset', () => {
    const session = sessionFromTokenResponse(
      response({
        access_token: jwt({ iat: (NOW - 2 * HOUR) / 1000 }),
        expires_at: new Date(NOW - HOUR).toISOString(),
      }),
      NOW,
      [],
    );
    expect(session.expiresAt).toBe(NOW + HOUR);
  });
});

describe('the renewal floor', () => {
  it('renews a token that arrived expired no sooner than 5 s after it came', () => {
    expect(renewAt({ issuedAt: NOW, expiresAt: NOW - HOUR }, 60_000)).toBe(NOW + 5000);
  });

  it('lets a token of a few seconds be renewed when it expires, not 5 s after it came', () => {
    // A 2 s token with a 1 ms leeway: renewed at its expiry (a test tenant's short lifetimes).
    expect(renewAt({ issuedAt: NOW, expiresAt: NOW + 2000 }, 1)).toBe(NOW + 1999);
    // Still a floor for a token that lives a moment only.
    expect(renewAt({ issuedAt: NOW, expiresAt: NOW + 200 }, 1)).toBe(NOW + 1000);
  });
});
