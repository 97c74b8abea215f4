import { classifyError } from './classify.js';
import { QlikAuthError } from './errors.js';
import type { Grant } from './token-endpoint.js';
import { isSession, sessionFromTokenResponse, type Session } from './session.js';
import type { SessionPersistence, StoredSession } from './session-store.js';
import type { TabMessage } from './tabs.js';

/** What a renewal ends with: a session to use, why the session ended, or no session at all. */
export type RenewalOutcome = StoredSession;

/**
 * A refresh failure that no retry can fix (RFC 6749 section 5.2): the tenant rejected the refresh
 * token (`invalid_grant`), or answered 401, which Qlik Cloud uses for tokens the client should
 * delete. Anything else (network, timeout, 5xx, 429, an HTML page, another 4xx) may pass, and is
 * retried.
 */
export const isDefinitive = (error: QlikAuthError) =>
  error.code === 'invalid_grant' || error.status === 401;

/**
 * Creates the renewal of one instance: `renew(from)` renews `from`, the session the tab
 * holds, with the refresh token grant (RFC 6749 section 6). It must run under the tab-wide lock.
 * It reads storage first, because another tab may have renewed already: a newer stored session
 * is adopted with no request, and the refresh token sent is always the latest one stored (a
 * tenant that rotates refresh tokens refuses, and punishes, the reuse of an older one). The new
 * session is stored, and the other tabs told, before the lock is released.
 *
 * Retryable failures are thrown. A definitive one ends the session: storage keeps the reason in
 * its place, the other tabs are told, and the outcome is a `session_expired` error (or
 * `token_expired` for an expired session without a refresh token).
 * @param grant - a token endpoint request whose failures are classified
 * @param dueAt - when a session is due for renewal
 * @param post - tells the other tabs that storage changed
 * @param storageFailed - hears a failed write, which never stops a renewal
 * @see [RFC 6749 section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 */
export function createRenewal(
  persistence: SessionPersistence,
  grant: Grant,
  now: () => number,
  dueAt: (session: Session) => number,
  post: (message: TabMessage) => void,
  storageFailed: (error: unknown) => void,
) {
  return async function renew(from: Session): Promise<RenewalOutcome> {
    const stored = await persistence.load().catch(() => from);
    if (!isSession(stored)) return stored;
    // Another tab renewed (or signed in) since this one decided to: its tokens will do.
    if (stored.expiresAt > from.expiresAt && now() < dueAt(stored)) return stored;
    const latest = stored.expiresAt < from.expiresAt ? from : stored;
    const { refreshToken } = latest;
    let outcome: Session | QlikAuthError;
    if (!refreshToken) {
      // Nothing to renew with: keep it while valid (even a forced refresh cannot do better).
      if (latest.expiresAt > now()) return latest;
      outcome = new QlikAuthError('token_expired', 'token expired');
    } else {
      try {
        const response = await grant('refresh_token', { refresh_token: refreshToken });
        // The tenant may keep the refresh token (then it sends none) and the scope (section 6).
        // The same grant, renewed: its purpose tokens stay good.
        const renewed = sessionFromTokenResponse(response, now(), latest.scopes);
        outcome = {
          ...latest,
          ...renewed,
          // The same user: what only the sign-in learned (the display name) stays.
          ...(latest.user && { user: { ...latest.user, ...renewed.user } }),
          grant: latest.grant,
        };
      } catch (thrown) {
        const error = await classifyError(thrown);
        if (!isDefinitive(error)) throw error;
        outcome = new QlikAuthError('session_expired', error.message, { ...error, cause: error });
      }
    }
    // Stored, and the other tabs told, before the lock is released. Only over the grant renewed:
    // without Web Locks, a sign-out (or a new sign-in) may have replaced it meanwhile.
    if (outcome instanceof QlikAuthError) {
      await persistence.end(outcome, latest.grant).catch(storageFailed);
      post('signedOut');
    } else {
      await persistence.save(outcome, latest.grant).catch(storageFailed);
      post('session');
    }
    return outcome;
  };
}
