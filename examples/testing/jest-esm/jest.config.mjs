// Jest with native ES modules: run it as
//   node --experimental-vm-modules node_modules/jest/bin/jest.js --config jest-esm/jest.config.mjs
export default {
  rootDir: '.',
  testEnvironment: 'jsdom',
  // Before any module loads: gives Jest's jsdom Web Crypto, TextEncoder and fetch, and
  // Node's Uint8Array (PKCE hashing needs them).
  setupFiles: ['@qlik-auth/testing/environment'],
  testMatch: ['<rootDir>/*.test.mjs'],
  transform: {},
};
