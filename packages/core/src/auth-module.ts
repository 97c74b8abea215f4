/**
 * The auth module both Qlik clients take: @qlik/api (`@qlik-auth/core/qlik-api`) and qlik-embed,
 * whose runtime on a tenant is @qlik/api's (`@qlik-auth/core/qlik-embed`). Internal.
 */
import type {
  AuthModule,
  AuthenticationErrorAction,
  HandleAuthenticationErrorProps,
  RestCallAuthParams,
  WebResourceAuthParams,
  WebSocketAuthParams,
} from '@qlik/api/auth';
import { tokenRefusals, type RenewalSeam } from './token-refusal.js';
import type { QlikAuth } from './types.js';

/**
 * True in Node (and runtimes compatible with it), where @qlik/api opens the engine socket with
 * the `ws` package, which can send headers; a browser WebSocket cannot. The same test as
 * @qlik/api's own, so both sides agree on which socket is opened.
 */
const inNode = () =>
  !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

/**
 * An auth module in @qlik/api's interface, backed by `auth`, with the renewal after a 401
 * pluggable (the re-authorization seam, {@link RenewalSeam}). What `qlikApiAuthModule` documents
 * it does; internal, shared by `@qlik-auth/core/qlik-api` and `@qlik-auth/core/qlik-embed`
 * (qlik-embed's runtime is @qlik/api's, and takes the same modules).
 */
export function authModuleFor(auth: QlikAuth, seam: RenewalSeam): AuthModule {
  const refusals = tokenRefusals(auth, seam);
  /**
   * Purpose tokens to exchange anew at their next use: those in hand were derived from a grant
   * the tenant just refused a token of (cut short, revoked), and a browser hides why an engine
   * socket was refused, so a dead websocket token would never be reported.
   */
  const stale = new Set<'websocket' | 'webresource'>();
  const purposeToken = (purpose: 'websocket' | 'webresource') =>
    auth.getToken({ purpose, forceRefresh: stale.delete(purpose) });

  const bearer = async () => ({ Authorization: `Bearer ${await refusals.handOut()}` });

  async function getRestCallAuthParams(): Promise<RestCallAuthParams> {
    return { headers: await bearer(), queryParams: {}, credentials: 'omit' };
  }

  async function getWebSocketAuthParams(): Promise<WebSocketAuthParams> {
    if (inNode()) return { headers: await bearer() };
    return { queryParams: { accessToken: await purposeToken('websocket') } };
  }

  async function getWebResourceAuthParams(): Promise<WebResourceAuthParams> {
    return { queryParams: { accessToken: await purposeToken('webresource') } };
  }

  async function handleAuthenticationError({
    status,
    canRetry,
  }: HandleAuthenticationErrorProps): Promise<AuthenticationErrorAction> {
    // A retry refused again: a new token did not help, and another would not either. @qlik/api
    // then rejects with the tenant's answer.
    if (status !== 401 || !canRetry) return {};
    // Rejects with the core's typed error (`not_signed_in`, `session_expired`), and so does the
    // call, sending nothing more.
    await refusals.renewAfterRefusal();
    stale.add('websocket').add('webresource');
    return { retry: true };
  }

  return {
    getRestCallAuthParams,
    getWebSocketAuthParams,
    getWebResourceAuthParams,
    handleAuthenticationError,
  };
}
