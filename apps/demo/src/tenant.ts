import { useEffect, useState } from 'react';
import { qlikApiAuthModule } from '@qlik-auth/core/qlik-api';
import { useQlikAuth, type QlikAuth } from '@qlik-auth/react';
import { auth as qlikApi } from '@qlik/api';
import type { ItemResultResponseBody } from '@qlik/api/items';
import { config } from './config.js';
import { useErrorLog } from './errors.js';

/**
 * Runs Qlik's own API client, @qlik/api, on the demo's session: its REST calls, engine sessions
 * and web resource URLs take their tokens from `auth` (refreshed ahead of expiry, once for all
 * tabs, with typed errors) through `qlikApiAuthModule`. Called once, with the page's instance.
 */
export function connectQlikApi(auth: QlikAuth): void {
  qlikApi.registerAuthModule('qlik-auth', qlikApiAuthModule(auth));
  qlikApi.setDefaultHostConfig({ host: config.host, authType: 'qlik-auth' });
}

/** An item of `items.getItems({ resourceType: 'app' })`. */
export type AppItem = ItemResultResponseBody;

/**
 * The app's thumbnail URL: `links.thumbnail` as Qlik Cloud sends it, or the emulator's
 * top-level `thumbnail`.
 */
export const thumbnailOf = (item: AppItem): string | undefined =>
  item.links?.thumbnail?.href ?? (item as { thumbnail?: string }).thumbnail;

type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; data: T } | { state: 'failed'; error: unknown };

/**
 * Loads tenant data with @qlik/api once signed in (again when `key` changes); failures go to the
 * errors panel too. `load` is read when `key` changes, not on every render.
 */
export function useTenantData<T>(key: string, load: () => Promise<T>): Loadable<T> {
  const { status } = useQlikAuth();
  const { report } = useErrorLog();
  const [result, setResult] = useState<{ key: string; value: Loadable<T> }>();
  const [loader] = useState(() => ({ load }));
  loader.load = load;
  useEffect(() => {
    if (status !== 'signedIn') return;
    let current = true;
    loader.load().then(
      (data) => current && setResult({ key, value: { state: 'ready', data } }),
      (error: unknown) => {
        if (!current) return;
        setResult({ key, value: { state: 'failed', error } });
        report(key, error);
      },
    );
    return () => {
      current = false;
    };
  }, [status, key, loader, report]);
  return result?.key === key ? result.value : { state: 'loading' };
}
