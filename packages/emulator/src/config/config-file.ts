import { readFile } from 'node:fs/promises';
import type { EmulatorConfig } from './config.js';
import { ConfigError, resolveConfig } from './validate.js';

// Node only (reads a file): kept out of config.ts so the tenant's handler imports no `node:` module.

/** Reads and validates a JSON config file. */
export async function loadConfigFile(path: string): Promise<EmulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return resolveConfig(parsed);
}
