import { QlikAuthError, type QlikAuthErrorData } from './errors.js';
import { isSession, type Session } from './session.js';
import type { Vault } from './vault.js';

const SESSION = 'session';

/**
 * What a tab that ended the session for good leaves in storage in its place: the reason, so that
 * every other tab (which may read storage before the broadcast arrives) says the same.
 */
export interface EndedSession {
  ended: QlikAuthErrorData;
}

/** What storage holds: a session, why the last one ended, or nothing. */
export type StoredSession = Session | QlikAuthError | undefined;

const isEnded = (value: unknown): value is EndedSession =>
  typeof (value as EndedSession)?.ended?.code === 'string';

/**
 * The persisted session of one tenant+client: sealed in the vault, so a reload or another tab
 * restores it without a network request.
 */
export interface SessionPersistence {
  /**
   * The stored session, or the error that ended it; undefined when nothing is stored, or it was
   * unreadable (then it is gone).
   */
  load(): Promise<StoredSession>;
  /** Stores `session`; with `replaces`, only over the stored session of that grant. */
  save(session: Session, replaces?: string): Promise<void>;
  /** Replaces the session of the grant `replaces` with the reason it ended. */
  end(reason: QlikAuthError, replaces: string): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Creates the persistence of one instance over its vault. With `persistRefreshToken` false, the
 * refresh token stays in this instance's memory: storage gets the session without it, which
 * tells the other tabs that a session exists (or that it ended) but gives them nothing they can
 * renew. Each tab then keeps its own grant, and `load` answers with this tab's own session while
 * any session is stored; a new instance (a reload, another tab) restores nothing.
 */
export function createSessionPersistence(
  vault: Vault,
  onCorrupt: () => void,
  persistRefreshToken: boolean,
): SessionPersistence {
  /** Without persistence: this instance's session, the only holder of its refresh token. */
  let own: Session | undefined;
  return {
    async load() {
      const value = await vault.read(SESSION);
      if (isSession(value)) return persistRefreshToken ? value : own;
      if (value === undefined) return value;
      if (isEnded(value))
        return new QlikAuthError(value.ended.code, value.ended.message, value.ended);
      // Decrypted but not a session (a bug or an old format): as unusable as a torn record.
      await vault.remove(SESSION);
      onCorrupt();
      return undefined;
    },
    save(session, replaces) {
      // A compare-and-set in memory too: a late renewal must not revive a session signed out.
      if (!replaces || own?.grant === replaces) own = session;
      return vault.write(
        SESSION,
        // JSON leaves out an undefined field.
        persistRefreshToken ? session : { ...session, refreshToken: undefined },
        session.grant,
        replaces,
      );
    },
    end(reason, replaces) {
      own = undefined;
      // The error's own fields, not its cause; its message is no own enumerable field.
      return vault.write(SESSION, { ended: { ...reason, message: reason.message } }, '', replaces);
    },
    clear() {
      own = undefined;
      return vault.remove(SESSION);
    },
  };
}
