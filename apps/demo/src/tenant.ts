import { useEffect, useState } from 'react';
import { useQlikAuth, type QlikAuth } from '@qlik-auth/react';
import { ApiError, useErrorLog } from './errors.js';

/** `auth.fetch` (Bearer, tenant-relative) returning JSON, or an ApiError with Qlik's errors[]. */
export async function getJson<T>(auth: QlikAuth, path: string): Promise<T> {
  const response = await auth.fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body?.errors);
  return body as T;
}

/** The user as `/api/v1/users/me` describes them. */
export interface TenantUser {
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  email: string;
  status: string;
  roles?: string[];
}

/** An item of `/api/v1/items?resourceType=app`. */
export interface AppItem {
  id: string;
  resourceId: string;
  name: string;
  description?: string;
  thumbnail?: string;
}

type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; data: T } | { state: 'failed'; error: unknown };

/** GETs a tenant path as JSON once signed in; failures go to the errors panel too. */
export function useTenantJson<T>(path: string): Loadable<T> {
  const { auth, status } = useQlikAuth();
  const { report } = useErrorLog();
  const [result, setResult] = useState<{ path: string; value: Loadable<T> }>();
  useEffect(() => {
    if (status !== 'signedIn') return;
    let current = true;
    getJson<T>(auth, path).then(
      (data) => current && setResult({ path, value: { state: 'ready', data } }),
      (error: unknown) => {
        if (!current) return;
        setResult({ path, value: { state: 'failed', error } });
        report(`GET ${path}`, error);
      },
    );
    return () => {
      current = false;
    };
  }, [auth, status, path, report]);
  return result?.path === path ? result.value : { state: 'loading' };
}
