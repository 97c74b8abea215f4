/**
 * `@qlik-auth/emulator/msw`: MSW 2 request handlers that answer with an emulated tenant, for apps
 * whose tests already intercept `fetch` with Mock Service Worker.
 * @module msw
 * @packageDocumentation
 */
import { http, type HttpHandler } from 'msw';
import type { EmulatedTenant } from '../create-tenant.js';
import { ConnectionDropped } from '../http/middleware.js';

/** Options of {@link createHandlers}. */
export interface TenantHandlersOptions {
  /**
   * The origin the app calls the tenant at (its `host`), e.g. `http://localhost:8787`. Every
   * request under it is answered by the tenant. A loopback origin: the tenant names the origin it
   * was called at as its issuer, and serves loopback names only. Default `http://localhost:8787`.
   */
  baseUrl?: string;
}

/**
 * MSW 2 handlers that answer every request under `baseUrl` with the tenant's own `fetch`
 * handler: OAuth, APIs and the control API, exactly as `startEmulator()` would over HTTP. A
 * `drop` or `dropAfter` fault becomes a network error (`Response.error()`).
 *
 * @example
 * import { setupServer } from 'msw/node';
 * import { createTenant } from '@qlik-auth/emulator';
 * import { createHandlers } from '@qlik-auth/emulator/msw';
 *
 * const tenant = createTenant({ autoApprove: true });
 * const server = setupServer(...createHandlers(tenant, { baseUrl: 'http://localhost:8787' }));
 * server.listen();
 */
export function createHandlers(
  tenant: EmulatedTenant,
  options: TenantHandlersOptions = {},
): HttpHandler[] {
  const base = new URL(options.baseUrl ?? 'http://localhost:8787').origin;
  const answer = async ({ request }: { request: Request }): Promise<Response> => {
    try {
      return await tenant.fetch(request);
    } catch (error) {
      if (error instanceof ConnectionDropped) return Response.error();
      throw error;
    }
  };
  return [http.all(`${base}/*`, answer), http.all(base, answer)];
}
