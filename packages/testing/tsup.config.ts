import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/environment-setup.ts'],
  // Both: Jest's default CommonJS config `require`s the kit, Vitest and ESM Jest import it.
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  // The app's own copies of the core and the emulator, never bundled here.
  external: ['@qlik-auth/core', '@qlik-auth/emulator'],
});
