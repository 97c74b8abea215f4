// Jest's default: CommonJS, no transform needed for these plain .cjs tests.
module.exports = {
  rootDir: '.',
  testEnvironment: 'jsdom',
  // Before any module loads: gives Jest's jsdom Web Crypto, TextEncoder and fetch, and
  // Node's Uint8Array (PKCE hashing needs them).
  setupFiles: ['@qlik-auth/testing/environment'],
  testMatch: ['<rootDir>/*.test.cjs'],
};
