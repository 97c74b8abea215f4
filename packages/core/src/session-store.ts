import { isSession, type Session } from './session.js';
import type { Vault } from './vault.js';

const SESSION = 'session';

/**
 * The persisted session of one tenant+client: sealed in the vault, so a reload (or, with the
 * token lifecycle, another tab) restores it without a network request.
 */
export interface SessionPersistence {
  /** The stored session; undefined when there is none or it was unreadable (then it is gone). */
  load(): Promise<Session | undefined>;
  save(session: Session): Promise<void>;
  clear(): Promise<void>;
}

/** Creates the persistence of one instance over its vault. */
export function createSessionPersistence(vault: Vault, onCorrupt: () => void): SessionPersistence {
  return {
    async load() {
      const value = await vault.read(SESSION);
      if (value === undefined || isSession(value)) return value;
      // Decrypted but not a session (a bug or an old format): as unusable as a torn record.
      await vault.remove(SESSION);
      onCorrupt();
      return undefined;
    },
    save: (session) => vault.write(SESSION, session),
    clear: () => vault.remove(SESSION),
  };
}
