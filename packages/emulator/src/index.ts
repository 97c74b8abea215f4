/**
 * `@qlik-auth/emulator`: a local Qlik Cloud tenant for OAuth development and tests.
 *
 * - {@link createTenant}: the tenant as a fetch handler with control methods, no socket (unit
 *   tests, MSW through `@qlik-auth/emulator/msw`).
 * - {@link startEmulator}: the same tenant served over HTTP on loopback, with the QIX engine
 *   WebSocket (end-to-end tests, local development); also the `qlik-auth-emulator` CLI.
 * @packageDocumentation
 */
import type { EmulatorOptions, RunningEmulator } from './hosts/server.js';

export { createTenant, type EmulatedTenant } from './create-tenant.js';
export type { TenantOptions } from './context.js';
export type {
  TenantControls,
  TenantStats,
  FaultInput,
  RuntimeSettings,
} from './control/controls.js';
export type { EmulatorOptions, RunningEmulator } from './hosts/server.js';
export { ConfigError } from './config/validate.js';
export {
  defaultConfig,
  type EmulatorConfig,
  type ClientConfig,
  type AppType,
  type UserConfig,
  type AppConfig,
  type SheetConfig,
} from './config/config.js';
export type { RequestLogEntry, Fault } from './control/log-and-faults.js';

/**
 * Starts an emulated Qlik Cloud tenant and resolves once it accepts connections: the handler of
 * {@link createTenant} over node:http, with the engine WebSocket (`/app/{appId}`) beside it. By
 * default it listens on loopback at a free port: read it from the result.
 *
 * Node only. The server is loaded on first call, so importing this package (for `createTenant`)
 * pulls no `node:http` and no `ws` into a test environment such as happy-dom, jsdom or Jest.
 *
 * @example
 * const emulator = await startEmulator({ config: { autoApprove: true } });
 * // emulator.url is e.g. http://localhost:41234
 * await emulator.close();
 */
export async function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  const server = await import('./hosts/server.js');
  return server.startEmulator(options);
}
