import { createStore, promisifyRequest } from 'idb-keyval';
import { QlikAuthError } from './errors.js';
import { timeLimit } from './time-limit.js';

/**
 * A key-value store for the core's records (an encryption key, the sealed session, sign-in
 * transactions). Values are structured-clonable. Pass one as `storage` to keep sessions
 * somewhere else; the core encrypts what it writes either way.
 */
export interface SessionStore {
  /** The value under `key`, or undefined. */
  get(key: string): Promise<unknown>;
  /** Stores a structured-clonable value (a `CryptoKey` among them) under `key`. */
  set(key: string, value: unknown): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Atomically replaces the value with `next(current)` (deleting it when that is undefined) and
   * resolves to the previous value. Atomic across tabs where the backend allows it: that is what
   * makes a sign-in transaction single use and lets two tabs agree on one encryption key.
   */
  update(key: string, next: (current: unknown) => unknown): Promise<unknown>;
  /** Every key. Optional: without it, abandoned sign-in transactions are not swept. */
  keys?(): Promise<string[]>;
}

/**
 * The store of an instance: a {@link SessionStore} that can also read several records together,
 * in one IndexedDB transaction (the key and the session, on every page load).
 */
export interface Store extends SessionStore {
  /** The values under `keys`, in their order. */
  getMany(keys: string[]): Promise<unknown[]>;
}

/** How long a storage call may take before the core stops waiting (Safari can hang on open). */
export const STORAGE_TIMEOUT_MS = 4000;

/** A store in memory: for tests, SSR, and where IndexedDB is missing. */
export function memoryStore(): SessionStore {
  const map = new Map<string, unknown>();
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
    delete: async (key) => void map.delete(key),
    async update(key, next) {
      const previous = map.get(key);
      const value = next(previous);
      if (value === undefined) map.delete(key);
      else map.set(key, value);
      return previous;
    },
  };
}

/** A store in an IndexedDB database of the library's own, through idb-keyval's `createStore`. */
export function indexedDbStore(dbName: string): Store {
  const run = createStore(dbName, 'records');
  return {
    get: (key) => run('readonly', (store) => promisifyRequest(store.get(key))),
    getMany: (keys) =>
      run('readonly', (store) => Promise.all(keys.map((key) => promisifyRequest(store.get(key))))),
    set: (key, value) => run('readwrite', (store) => (store.put(value, key), done(store))),
    delete: (key) => run('readwrite', (store) => (store.delete(key), done(store))),
    update: (key, next) =>
      run('readwrite', (store) => {
        // Read and write in one readwrite transaction, which IndexedDB runs exclusively.
        let previous: unknown;
        const read = store.get(key);
        read.onsuccess = () => {
          previous = read.result;
          const value = next(previous);
          if (value === undefined) store.delete(key);
          else store.put(value, key);
        };
        return done(store).then(() => previous);
      }),
    keys: () =>
      run('readonly', (store) => promisifyRequest(store.getAllKeys())) as Promise<string[]>,
  };
}

function done(store: IDBObjectStore): Promise<void> {
  return promisifyRequest(store.transaction as unknown as IDBRequest<void>);
}

type Method = keyof SessionStore;
/** The methods of a {@link SessionStore}; all but the last are required. */
export const METHODS: Method[] = ['get', 'set', 'delete', 'update', 'keys'];

/** A storage fault, typed. */
export const storageFailed = (cause: unknown) =>
  new QlikAuthError('storage_unavailable', `storage failed: ${cause}`, { cause });

/**
 * The store an instance uses for the `storage` option. Never waits forever, never throws
 * untyped: a call that fails, throws synchronously (no `indexedDB` global) or does not settle in
 * time rejects with `storage_unavailable`. IndexedDB first; when it fails before it ever worked
 * (missing, blocked, private mode, hung), memory for the rest of this instance's life, reported
 * once. Once it has worked, a failure (a slow disk, a full quota) is thrown instead: switching to
 * an empty memory store then would lose the session, and look to the refresh like a sign-out in
 * another tab. A store given by the app gets no fallback.
 */
export function openStore(
  option: 'indexeddb' | 'memory' | SessionStore,
  dbName: string,
  warn: (message: string) => void,
): Store {
  // Member calls, so a class-based store keeps `this`.
  let active = (
    option === 'indexeddb' ? indexedDbStore(dbName) : option === 'memory' ? memoryStore() : option
  ) as Record<Method | 'getMany', (...args: unknown[]) => Promise<unknown>>;
  const fallback = option === 'indexeddb' && memoryStore();
  let worked = false;
  /** A store without `getMany` (memory, or the app's) reads the records one by one. */
  const call = (method: Method | 'getMany', args: unknown[]) =>
    method === 'getMany' && !active.getMany
      ? Promise.all((args[0] as string[]).map((key) => active.get(key)))
      : active[method](...args);
  return Object.fromEntries(
    [...METHODS, 'getMany' as const].map((method) => [
      method,
      async (...args: unknown[]) => {
        try {
          const result = await timeLimit(
            // Called at once (a page load's first read starts within createQlikAuth), and a
            // synchronous throw becomes a rejection.
            new Promise((resolve) => resolve(call(method, args))),
            STORAGE_TIMEOUT_MS,
            new Error('storage timed out'),
          );
          worked = true;
          return result;
        } catch (cause) {
          const error = cause instanceof QlikAuthError ? cause : storageFailed(cause);
          if (worked || !fallback) throw error;
          // Once, however many calls were in flight when IndexedDB failed.
          if (active !== fallback) warn(`${error.message}; using memory only`);
          active = fallback as typeof active;
          return call(method, args);
        }
      },
    ]),
  ) as unknown as Store;
}
