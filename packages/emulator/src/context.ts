import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorConfig } from './config.js';
import type { Control } from './control.js';
import type { Tenant } from './tenant.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Loopback address to listen on. Default 127.0.0.1 (and ::1 when available). */
  host?: string;
  /** A full config, a partial one merged over the defaults, or nothing for the defaults. */
  config?: Partial<EmulatorConfig> | EmulatorConfig;
  /** Serve the `/__emulator/` control API. Default true. */
  controls?: boolean;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
  /** Random source for fault probabilities, for tests. */
  random?: () => number;
}

/** What every route module of one emulator shares. */
export interface Context {
  tenant: Tenant;
  control: Control;
  options: EmulatorOptions;
  /** The issuer is the origin the client used, so `localhost` and `127.0.0.1` both validate. */
  issuerOf(req: IncomingMessage): string;
  /** CORS headers for the token, revoke and API paths: only the registered clients' origins. */
  cors(req: IncomingMessage): Record<string, string>;
  /** Answers a CORS preflight, or refuses an origin that is not allowed. */
  preflight(req: IncomingMessage, res: ServerResponse, methods: string): void;
}
