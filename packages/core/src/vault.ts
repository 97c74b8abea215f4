import type { SessionStore } from './storage.js';

/** What is stored for a sealed value: AES-GCM ciphertext and its nonce. */
interface SealedRecord {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

/**
 * Encrypted records in a {@link SessionStore}. The AES-GCM key is generated non-extractable and
 * kept as a `CryptoKey` in the same store: script can use it through WebCrypto but never read its
 * bytes, so a copy of the database (a backup, a synced profile, a disk image) yields no token.
 * Every record is bound to its name (additional authenticated data), so records cannot be swapped.
 */
export interface Vault {
  /** The plaintext of a record; undefined when absent, or when unreadable (then it is deleted). */
  read(name: string): Promise<unknown>;
  write(name: string, value: unknown): Promise<void>;
  /** Reads and deletes in one atomic step: whoever takes a record first is the only one to see it. */
  take(name: string): Promise<unknown>;
  remove(name: string): Promise<void>;
}

const KEY = 'key';
const encoder = new TextEncoder();

/** Creates the vault of one instance; `onCorrupt` hears about each discarded record. */
export function createVault(store: SessionStore, onCorrupt: (name: string) => void): Vault {
  let key: Promise<CryptoKey> | undefined;

  function getKey(): Promise<CryptoKey> {
    key ??= crypto.subtle
      .generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
      .then(async (fresh) => {
        // Keep the key another tab may have stored first, so both tabs can read each other's records.
        const stored = await store.update(KEY, (current) => current ?? fresh);
        return (stored as CryptoKey | undefined) ?? fresh;
      });
    // A failed attempt must not stick: the next write tries again.
    key.catch(() => (key = undefined));
    return key;
  }

  async function open(name: string, record: unknown): Promise<unknown> {
    if (record === undefined) return undefined;
    const stored = (await store.get(KEY)) as CryptoKey;
    try {
      const { iv, data } = record as SealedRecord;
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
        stored,
        data,
      );
      return JSON.parse(new TextDecoder().decode(plain));
    } catch {
      // Tampered, truncated, from an older format, or its key is gone: unreadable either way.
      await store.delete(name);
      onCorrupt(name);
      return undefined;
    }
  }

  return {
    read: async (name) => open(name, await store.get(name)),
    take: async (name) => open(name, await store.update(name, () => undefined)),
    async write(name, value) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
        await getKey(),
        encoder.encode(JSON.stringify(value)),
      );
      await store.set(name, { iv, data } satisfies SealedRecord);
    },
    remove: (name) => store.delete(name),
  };
}
