import { randomId } from '../encoding.js';
import {
  MAX_PENDING_AUTHORIZATIONS,
  type LoginSession,
  type PendingAuthorization,
} from './records.js';
import type { Tenant } from './tenant.js';

/**
 * A tenant's sign-ins in the browser: the authorization requests waiting for the login page, and
 * the login sessions (the tenant's cookie, which `prompt=none` relies on). A transaction is held
 * until it expires or {@link MAX_PENDING_AUTHORIZATIONS} newer ones wait; a session until it ends.
 */
export class SignIns {
  /** Authorization requests waiting for the login page, oldest first. */
  readonly pending = new Map<string, PendingAuthorization>();
  readonly sessions = new Map<string, LoginSession>();

  constructor(private readonly tenant: Tenant) {}

  /**
   * Keeps an authorization request for the login page, at most
   * {@link MAX_PENDING_AUTHORIZATIONS} of them: the oldest gives way.
   */
  addPending(pending: PendingAuthorization): void {
    this.tenant.writing();
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
  startSession(userId: string): LoginSession {
    this.tenant.writing();
    const now = this.tenant.now();
    const { config } = this.tenant;
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
   * maximum duration, or its user is gone (same page as {@link startSession}).
   */
  private ended(session: LoginSession, now: number): boolean {
    return (
      now - session.lastActiveAt >= session.inactivityTimeoutMs ||
      now - session.authTime >= session.maxDurationMs ||
      !this.tenant.user(session.userId)
    );
  }

  /**
   * The login session with this id, if it is still alive, marked as used now. A session that has
   * ended is forgotten, as Qlik Cloud signs the user out (same page as {@link startSession}).
   * Only visits to the tenant with its cookie count as use: token lifetimes are independent of the
   * session and do not extend it ("Configuring OAuth token duration",
   * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm).
   */
  useSession(id: string | undefined): LoginSession | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    const now = this.tenant.now();
    if (this.ended(session, now)) {
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
  endSessions(userId: string): number {
    let count = 0;
    for (const [id, session] of this.sessions) {
      if (session.userId !== userId) continue;
      this.sessions.delete(id);
      count += 1;
    }
    return count;
  }

  /** Forgets the transactions that have expired and the sessions that have ended by `now`. */
  sweep(now: number): void {
    for (const [id, pending] of this.pending) if (pending.expiresAt <= now) this.pending.delete(id);
    for (const [id, session] of this.sessions) {
      if (this.ended(session, now)) this.sessions.delete(id);
    }
  }

  /** Forgets every transaction and session (a reset). */
  clear(): void {
    this.pending.clear();
    this.sessions.clear();
  }
}
