import type { Context as HonoContext } from 'hono';
import type { Control, RequestLogEntry } from './control/log-and-faults.js';
import type { Tenant } from './state/tenant.js';

/**
 * Options of {@link createTenant} that are not part of the tenant's config: the clock, the random
 * source of fault probabilities, and whether the control API is served.
 */
export interface TenantOptions {
  /**
   * The tenant's clock in epoch milliseconds. Every expiry decision (codes, access, purpose and
   * refresh tokens, sign-in transactions, `max_age`), the sweep of ended records and the JWT
   * `iat`/`exp` claims read it, so a test with a fake clock (`vi.useFakeTimers()`, or a
   * hand-moved counter) controls token lifetimes. Default `Date.now`.
   */
  now?: () => number;
  /** Random source in [0, 1) for fault `probability`, for deterministic tests. Default `Math.random`. */
  random?: () => number;
  /** Serve the `/__emulator/` control API over HTTP. The control methods work either way. Default true. */
  controls?: boolean;
  /**
   * Host names to serve besides loopback ones (`localhost`, `127.x.x.x`, `[::1]`), e.g. the name
   * of a CI service container. A request for any other host is refused with 421, so a page whose
   * domain is made to resolve to this machine (DNS rebinding) reaches nothing. Default none.
   */
  allowedHosts?: string[];
}

/** What the handler keeps per request in Hono's context. */
export interface Env {
  Variables: {
    /** The request log entry of this request (absent for control API requests). */
    entry?: RequestLogEntry;
    /** The `Set-Cookie` value of a login session this request started. */
    sessionCookie?: string;
  };
}

/** Hono's context of one request to the tenant. */
export type Ctx = HonoContext<Env>;

/** What every router of one tenant shares. */
export interface Shared {
  tenant: Tenant;
  control: Control;
  options: TenantOptions;
  /** The config the tenant was created with, restored by a reset. */
  initialConfig: unknown;
  /** The issuer is the origin the client used, so `localhost` and `127.0.0.1` both validate. */
  issuerOf(c: Ctx): string;
  /** Whether a browser origin belongs to a registered client. */
  allowedOrigin(origin: string | undefined): boolean;
}
