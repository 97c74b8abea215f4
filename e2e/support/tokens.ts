import type { Page } from '@playwright/test';

/** Records every token the tenant hands to the page, read from the network as an attacker would. */
export function captureTokens(page: Page): { access: string[]; refresh: string[] } {
  const seen = { access: [] as string[], refresh: [] as string[] };
  page.on('response', async (response) => {
    if (!response.url().endsWith('/oauth/token') || response.status() !== 200) return;
    try {
      const body = (await response.json()) as { access_token?: string; refresh_token?: string };
      if (body.access_token) seen.access.push(body.access_token);
      if (body.refresh_token) seen.refresh.push(body.refresh_token);
    } catch {
      // not JSON: nothing to record
    }
  });
  return seen;
}

/**
 * Everything the page can reach in web storage, cookies, its URL and, serialised, every IndexedDB
 * record (binary data as base64), so a test can search it for a token in plain text.
 */
export async function dumpBrowserStorage(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  const inPage = await page.evaluate(async () => {
    const toText = (value: unknown): unknown => {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const bytes =
          value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer);
        let binary = '';
        for (const byte of bytes) binary += String.fromCharCode(byte);
        return { base64: btoa(binary), utf8: new TextDecoder().decode(bytes) };
      }
      if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) {
        return { cryptoKey: value.algorithm, extractable: value.extractable };
      }
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toText(v)]));
      }
      return value;
    };
    const databases: Record<string, unknown[]> = {};
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const records: unknown[] = [];
      for (const storeName of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(storeName).objectStore(storeName).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        records.push(...all.map(toText));
      }
      db.close();
      databases[info.name!] = records;
    }
    return {
      url: location.href,
      localStorage: { ...localStorage },
      sessionStorage: { ...sessionStorage },
      cookie: document.cookie,
      databases,
    };
  });
  return JSON.stringify({ cookies, ...inPage });
}

/**
 * The session the core stored for a client, decrypted in the page with the store's own key, as
 * script of the app could (the key cannot be exported, but it can be used): what is really kept.
 */
export function storedSession(
  page: Page,
  tenant: string,
  clientId: string,
): Promise<Record<string, unknown> | undefined> {
  return page.evaluate(
    async ({ name }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const read = (key: string) =>
        new Promise<unknown>((resolve, reject) => {
          const request = db.transaction('records').objectStore('records').get(key);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const [key, sealed] = (await Promise.all([read('key'), read('session')])) as [
        CryptoKey,
        { iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer } | undefined,
      ];
      db.close();
      if (!sealed) return undefined;
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.iv, additionalData: new TextEncoder().encode('session') },
        key,
        sealed.data,
      );
      return JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
    },
    { name: `qlik-auth:${tenant}:${clientId}` },
  );
}
