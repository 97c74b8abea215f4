import { classifyError } from './classify.js';
import { QlikAuthError } from './errors.js';
import type { Grant, Hold } from './token-endpoint.js';
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

/** The instance's silent renewal: its `renewal` option, given what it needs of the instance. */
export type SilentRenewal = (from: Session, keep: boolean) => Promise<Session | QlikAuthError>;

/**
 * Creates the renewal of one instance: `renew(from, force)` renews `from`, the session the tab
 * holds. It must run under the tab-wide lock. It reads storage first, because another tab may
 * have renewed already: a newer stored session is adopted with no request.
 *
 * A session with a refresh token is renewed with the refresh token grant (RFC 6749 section 6),
 * always with the latest refresh token stored (a tenant that rotates refresh tokens refuses, and
 * punishes, the reuse of an older one). One without (a single-page-app client's, on Qlik Cloud)
 * is renewed by `silent`, a re-authorization with `prompt=none`, where the app set one up and the
 * tenant has not refused it for this grant; when the tenant does refuse, the session is kept,
 * marked as not renewable, until it expires. The new session is stored, and the other tabs told,
 * before the lock is released.
 *
 * Retryable failures are thrown. A definitive one ends the session: storage keeps the reason in
 * its place, the other tabs are told, and the outcome is the error: `session_expired` for a
 * refused refresh token, `token_expired` for an expired session nothing could renew. A forced
 * renewal (the tenant refused the access token) never hands back the token in hand: without a
 * way to renew, the session ends with `session_expired`, or with the error of the refused
 * re-authorization.
 * @param grant - a token endpoint request whose failures are classified
 * @param hold - the wait the tenant asked for (a 429), this tab's; the stored one is every tab's
 * @param silent - the re-authorization without the user, where the app set one up
 * @param dueAt - when a session is due for renewal
 * @param post - tells the other tabs that storage changed
 * @param storageFailed - hears a failed write, which never stops a renewal
 * @see [RFC 6749 section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [OpenID Connect Core section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) (`prompt=none`)
 */
export function createRenewal(
  persistence: SessionPersistence,
  grant: Grant,
  hold: Hold,
  silent: SilentRenewal | undefined,
  now: () => number,
  dueAt: (session: Session) => number,
  post: (message: TabMessage) => void,
  storageFailed: (error: unknown) => void,
) {
  return async function renew(from: Session, force?: boolean): Promise<RenewalOutcome> {
    const stored = await persistence.load().catch(() => from);
    if (!isSession(stored)) return stored;
    // Another tab renewed (or signed in) since this one decided to: its tokens will do.
    if (stored.expiresAt > from.expiresAt && now() < dueAt(stored)) return stored;
    const latest = stored.expiresAt < from.expiresAt ? from : stored;
    // Kept while valid when nothing can renew it, unless the tenant has refused it already.
    const keep = !force && latest.expiresAt > now();
    const { refreshToken } = latest;
    let outcome: Session | QlikAuthError;
    if (refreshToken) {
      try {
        // Another tab was told to wait (rate limited): this one waits too, sending nothing.
        hold.until = Math.max(hold.until, latest.holdUntil ?? 0);
        const response = await grant('refresh_token', { refresh_token: refreshToken });
        // The tenant may keep the refresh token (then it sends none) and the scope (section 6).
        // The same grant, renewed: its purpose tokens stay good.
        const renewed = sessionFromTokenResponse(response, now(), latest.scopes);
        // The same grant and user: what only the sign-in learned (who it is) stays.
        outcome = { ...latest, ...renewed, grant: latest.grant };
      } catch (thrown) {
        const error = await classifyError(thrown);
        if (!isDefinitive(error)) {
          // The wait, told to every tab (storage), so that none of them sends a request before.
          if (hold.until > (latest.holdUntil ?? 0)) {
            await persistence
              .save({ ...latest, holdUntil: hold.until }, latest.grant)
              .catch(storageFailed);
          }
          throw error;
        }
        outcome = new QlikAuthError('session_expired', error.message, { ...error, cause: error });
      }
    } else if (silent && !latest.unrenewable) {
      outcome = await silent(latest, keep);
    } else if (keep) {
      return latest;
    } else {
      outcome = force
        ? new QlikAuthError('session_expired', 'the tenant refused the token')
        : new QlikAuthError('token_expired', 'token expired');
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
