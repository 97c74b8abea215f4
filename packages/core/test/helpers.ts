import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, onTestFinished } from 'vitest';
import {
  createQlikAuth,
  type AuthState,
  type QlikAuth,
  type QlikAuthOptions,
} from '../src/index.js';
import { createRecordedTenant, type TenantOptions } from './tenant.js';

export const REDIRECT_URI = 'http://localhost:3000/callback';
const START = Date.parse('2030-01-01T00:00:00.000Z');

/** Every instance a test created: destroyed after it, so no timer or channel outlives it. */
const instances: QlikAuth[] = [];

afterEach(() => {
  history.replaceState(null, '', '/');
  for (const instance of instances.splice(0)) instance.destroy();
});

/** Settings of the test's tenant; `refreshTokens: false` means no `offline_access` is asked for. */
type TenantSettings = Partial<Omit<TenantOptions, 'now' | 'redirectUri'>> & {
  refreshTokens?: boolean;
};

/**
 * An emulated tenant (the emulator's handler), a controllable clock and a QlikAuth wired to them.
 * Every call gets an empty IndexedDB: tests never see each other's sessions.
 */
export function setup(
  overrides: { tenant?: TenantSettings; auth?: Partial<QlikAuthOptions> } = {},
) {
  const clock = { time: START };
  const now = () => clock.time;
  // A test that took IndexedDB away (or stubbed it) keeps what it set up.
  if (globalThis.indexedDB instanceof IDBFactory) globalThis.indexedDB = new IDBFactory();
  const { refreshTokens = true, ...settings } = overrides.tenant ?? {};
  const tenant = createRecordedTenant({ now, redirectUri: REDIRECT_URI, ...settings });
  const navigations: string[] = [];
  const warnings: string[] = [];
  const options: QlikAuthOptions = {
    host: tenant.origin,
    clientId: tenant.clientId,
    redirectUri: REDIRECT_URI,
    fetch: tenant.fetch,
    now,
    navigate: (url) => void navigations.push(url),
    onWarning: (message) => void warnings.push(message),
    ...(refreshTokens ? { scopes: ['user_default', 'offline_access'] } : {}),
    ...overrides.auth,
  };
  /** A new instance on the same storage: what a page reload (or another tab) creates. */
  const create = (extra: Partial<QlikAuthOptions> = {}) => {
    const instance = createQlikAuth({ ...options, ...extra });
    instances.push(instance);
    return instance;
  };
  const auth = create();

  /** The whole round trip: signIn, the tenant's login page, back on the redirect URI. */
  async function signIn(
    instance: QlikAuth = auth,
    opts?: Parameters<QlikAuth['signIn']>[0],
    subject?: string,
  ) {
    await instance.signIn(opts);
    const callbackUrl = await tenant.authorize(navigations.at(-1)!, { subject });
    history.replaceState(null, '', callbackUrl);
    return instance.handleRedirectCallback();
  }

  /** Starts a sign-in and returns the URL the tenant would redirect back to. */
  async function callbackUrlFor(
    instance: QlikAuth = auth,
    opts?: { deny?: boolean; subject?: string },
  ) {
    await instance.signIn();
    return await tenant.authorize(navigations.at(-1)!, opts);
  }

  return {
    tenant,
    clock,
    auth,
    create,
    navigations,
    warnings,
    options,
    signIn,
    callbackUrlFor,
    dbName: `qlik-auth:${tenant.origin}:${tenant.clientId}`,
  };
}

/** Resolves with the first snapshot that is no longer `loading`. */
export function settled(auth: QlikAuth): Promise<AuthState> {
  return new Promise((resolve) => {
    let unsubscribe = () => {};
    const check = () => {
      const snapshot = auth.getSnapshot();
      if (snapshot.status === 'loading') return;
      unsubscribe();
      resolve(snapshot);
    };
    unsubscribe = auth.subscribe(check);
    check();
  });
}

/** A promise's rejection, for asserting on error fields. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}

/** Every record of a database, read past the library with the raw IndexedDB API. */
export async function rawRecords(dbName: string): Promise<Map<string, unknown>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const names = [...db.objectStoreNames];
    const records = new Map<string, unknown>();
    for (const name of names) {
      const store = db.transaction(name, 'readonly').objectStore(name);
      const [keys, values] = await Promise.all(
        [store.getAllKeys(), store.getAll()].map(
          (request) =>
            new Promise<unknown[]>((resolve, reject) => {
              request.onsuccess = () => resolve(request.result as unknown[]);
              request.onerror = () => reject(request.error);
            }),
        ),
      );
      keys!.forEach((key, i) => records.set(String(key), values![i]));
    }
    return records;
  } finally {
    db.close();
  }
}

/** Writes a record directly into a database, as corruption or tampering would. */
export async function writeRaw(dbName: string, key: string, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onupgradeneeded = () => request.result.createObjectStore('records');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** One turn of the event loop: lets IndexedDB, WebCrypto and BroadcastChannel deliver. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until `condition` holds, turning the event loop (not timers, which a test may have
 * faked); fails after two seconds of real time.
 */
export async function eventually(condition: () => unknown): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still not true: ${condition}`);
    await tick();
  }
}

/**
 * An in-test `navigator.locks` (happy-dom has none): exclusive locks granted in request order,
 * shared by every instance of the test as they would be by the tabs of an origin. Records each
 * request, and the most holders a lock ever had at once.
 */
export function installWebLocks() {
  const tails = new Map<string, Promise<unknown>>();
  const held = new Map<string, number>();
  const record = {
    requests: [] as string[],
    maxHolders: 0,
    /** True while any lock is held or wanted. */
    busy: () => [...held.values()].some(Boolean) || pending > 0,
  };
  let pending = 0;
  const locks = {
    request(name: string, _options: LockOptions, callback: () => Promise<unknown>) {
      record.requests.push(name);
      pending += 1;
      const granted = (tails.get(name) ?? Promise.resolve()).then(async () => {
        pending -= 1;
        held.set(name, (held.get(name) ?? 0) + 1);
        record.maxHolders = Math.max(record.maxHolders, held.get(name)!);
        try {
          return await callback();
        } finally {
          held.set(name, held.get(name)! - 1);
        }
      });
      tails.set(
        name,
        granted.catch(() => {}),
      );
      return granted;
    },
  };
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  onTestFinished(() => {
    delete (navigator as { locks?: unknown }).locks;
  });
  return record;
}
