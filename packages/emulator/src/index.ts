/**
 * `@qlik-auth/emulator`: a local Qlik Cloud tenant for the OAuth API, for development and CI.
 * @packageDocumentation
 */
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';
export {
  defaultConfig,
  resolveConfig,
  loadConfigFile,
  ConfigError,
  type EmulatorConfig,
  type ClientConfig,
  type UserConfig,
  type AppConfig,
  type SheetConfig,
} from './config.js';
export type { RequestLogEntry, Fault } from './control.js';
export { OAUTH_ERRORS, type QlikErrorBody, type QlikErrorEntry } from './errors.js';
export type { Tenant, TokenResponse } from './tenant.js';
