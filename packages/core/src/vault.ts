import { QlikAuthError } from './errors.js';
import { requireWebCrypto, utf8 } from './platform.js';
import { storageFailed, type Store } from './storage.js';

/** What is stored for a sealed value: AES-GCM ciphertext, its nonce, and a plain tag. */
interface SealedRecord {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
  /** Not secret: lets a write replace only the record it expects (compare-and-set). */
  tag?: string;
}

/**
 * Encrypted records in a {@link SessionStore}. The AES-GCM key is generated non-extractable and
 * kept as a `CryptoKey` in the same store: script can use it through WebCrypto but never export
 * its bytes, and records copied without it (a custom store, an export of the records) are
 * unreadable. It does not stop script of the page from decrypting, nor someone who copies the
 * whole browser profile (key included): see docs/security.md. Every record is bound to its name
 * (additional authenticated data), so records cannot be swapped.
 */
export interface Vault {
  /** The plaintext of a record; undefined when absent, or when unreadable (then it is deleted). */
  read(name: string): Promise<unknown>;
  /**
   * Seals and stores `value` with the plain `tag`. With `replaces`, only over a record tagged so:
   * a record deleted or replaced meanwhile stays as it is.
   */
  write(name: string, value: unknown, tag?: string, replaces?: string): Promise<void>;
  /** Reads and deletes in one atomic step: whoever takes a record first is the only one to see it. */
  take(name: string): Promise<unknown>;
  remove(name: string): Promise<void>;
}

const KEY = 'key';
const AES_GCM = { name: 'AES-GCM', length: 256 };

/**
 * True for a key this vault would have made. Anything else in the key record (an extractable key,
 * whose bytes a script could export, another algorithm or other usages, or no key at all) was put
 * there by someone else, or broken: it is replaced, and what it sealed becomes unreadable.
 */
const isVaultKey = (key: unknown): key is CryptoKey =>
  key instanceof CryptoKey &&
  !key.extractable &&
  `${key.algorithm.name}${(key.algorithm as AesKeyAlgorithm).length}${[...key.usages].sort()}` ===
    'AES-GCM256decrypt,encrypt';

/** Creates the vault of one instance; `onCorrupt` hears about each discarded record. */
export function createVault(store: Store, onCorrupt: (name: string) => void): Vault {
  /**
   * The stored key, or a new one when there is none or it is not a vault key. Fails with
   * `unsupported` without Web Crypto, else with `storage_unavailable`, WebCrypto's faults
   * included.
   */
  async function getKey(): Promise<CryptoKey> {
    requireWebCrypto();
    try {
      const fresh = (await crypto.subtle.generateKey(AES_GCM, false, [
        'encrypt',
        'decrypt',
      ])) as CryptoKey;
      // Atomic: two tabs agree on one key, so each can read what the other sealed.
      const kept = await store.update(KEY, (current) => (isVaultKey(current) ? current : fresh));
      return isVaultKey(kept) ? kept : fresh;
    } catch (cause) {
      throw cause instanceof QlikAuthError ? cause : storageFailed(cause);
    }
  }

  /** Opens `record` with the key `key()` gives; undefined there makes the record unreadable. */
  async function open(
    name: string,
    record: unknown,
    key: () => Promise<CryptoKey | undefined> = getKey,
  ): Promise<unknown> {
    if (record === undefined) return undefined;
    // Outside the try below: a missing Web Crypto is no reason to delete the record.
    requireWebCrypto();
    const usable = await key();
    try {
      if (!usable) throw new Error('no vault key');
      const { iv, data } = record as SealedRecord;
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: utf8(name) },
        usable,
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
    async read(name) {
      // The key and the record in one transaction: on a page load, one round trip to storage.
      // No key is made here: without a vault key, the record is unreadable anyway.
      const [key, record] = await store.getMany([KEY, name]);
      return open(name, record, async () => (isVaultKey(key) ? key : undefined));
    },
    // Without Web Crypto nothing was ever sealed, so nothing is lost by taking a record first.
    take: async (name) => open(name, await store.update(name, () => undefined)),
    async write(name, value, tag, replaces) {
      // The key first: it checks that there is Web Crypto.
      const key = await getKey();
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: utf8(name) },
        key,
        utf8(JSON.stringify(value)),
      );
      const sealed: SealedRecord = { iv, data, tag };
      await (replaces === undefined
        ? store.set(name, sealed)
        : store.update(name, (current) =>
            (current as SealedRecord | undefined)?.tag === replaces ? sealed : current,
          ));
    },
    remove: (name) => store.delete(name),
  };
}
