/**
 * `@qlik-auth/testing`: a real signed-in `@qlik-auth/core` client in a unit test, against an
 * emulated Qlik Cloud tenant that runs in the test's own process. No network, no port, no
 * browser, no mocked hooks.
 * @packageDocumentation
 */
export {
  createTestTenant,
  type TestTenant,
  type TestTenantConfig,
  type TestUser,
  type TestSignInOptions,
} from './test-tenant.js';
export {
  completeLogin,
  type AutoApproveSetting,
  type LoginChoice,
  type LoginTenant,
} from './login.js';
export { prepareTestEnvironment } from './environment.js';
