/**
 * `@qlik-auth/emulator`: a local Qlik Cloud tenant for the OAuth API, for development and CI.
 * @packageDocumentation
 */
import type { EmulatorOptions, RunningEmulator } from './server.js';

export { createTenant, type EmulatedTenant } from './create-tenant.js';
export type { TenantOptions } from './context.js';
export type { TenantControls, TenantStats, FaultInput, RuntimeSettings } from './control-api.js';
export type { EmulatorOptions, RunningEmulator } from './server.js';
export {
  defaultConfig,
  resolveConfig,
  ConfigError,
  type EmulatorConfig,
  type ClientConfig,
  type UserConfig,
  type AppConfig,
  type SheetConfig,
} from './config.js';
export type { RequestLogEntry, Fault } from './control.js';
export { OAUTH_ERRORS, type QlikErrorBody, type QlikErrorEntry } from './errors.js';
export type { TokenResponse } from './tenant.js';

/**
 * Starts an emulated Qlik Cloud tenant on loopback: {@link createTenant}'s handler over node:http
 * with the engine WebSocket beside it. Resolves once it accepts connections.
 *
 * Node only. The server is loaded on first call, so importing this package (for `createTenant`)
 * pulls no `node:http` and no `ws` into a test environment such as happy-dom, jsdom or Jest.
 */
export async function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  const server = await import('./server.js');
  return server.startEmulator(options);
}
