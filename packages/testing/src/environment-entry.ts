/**
 * `@qlik-auth/testing/environment`: prepares the test environment on import (see
 * {@link prepareTestEnvironment}). For Jest's jsdom environment, list it in `setupFiles` so that
 * it runs before the core, the emulator and your app are loaded.
 * @packageDocumentation
 */
import { prepareTestEnvironment } from './environment.js';

prepareTestEnvironment();

// Also callable again (it is idempotent), e.g. from a custom environment.
export { prepareTestEnvironment };
