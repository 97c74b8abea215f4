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
  save(session: Session): Promise<void>;
  /** Replaces the session with the reason it ended. */
  end(reason: QlikAuthError): Promise<void>;
  clear(): Promise<void>;
}

/** Creates the persistence of one instance over its vault. */
export function createSessionPersistence(vault: Vault, onCorrupt: () => void): SessionPersistence {
  return {
    async load() {
      const value = await vault.read(SESSION);
      if (value === undefined || isSession(value)) return value;
      if (isEnded(value))
        return new QlikAuthError(value.ended.code, value.ended.message, value.ended);
      // Decrypted but not a session (a bug or an old format): as unusable as a torn record.
      await vault.remove(SESSION);
      onCorrupt();
      return undefined;
    },
    save: (session) => vault.write(SESSION, session),
    // The error's own fields, not its cause; its message is no own enumerable field.
    end: (reason) => vault.write(SESSION, { ended: { ...reason, message: reason.message } }),
    clear: () => vault.remove(SESSION),
  };
}
