import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    entry: { index: 'src/index.ts' },
    extra: [
      {
        // For pages without a bundler: one file with oauth4webapi and idb-keyval inlined, as an
        // ES module (dist/browser/qlik-auth.js) and a classic script setting `window.QlikAuth`
        // (dist/browser/qlik-auth.iife.js).
        entry: { 'qlik-auth': 'src/index.ts' },
        outDir: 'dist/browser',
        format: ['esm', 'iife'],
        globalName: 'QlikAuth',
        platform: 'browser',
        target: 'es2022',
        noExternal: [/.*/],
        minify: true,
        sourcemap: true,
        clean: false,
        outExtension: ({ format }) => ({ js: format === 'iife' ? '.iife.js' : '.js' }),
      },
    ],
  }),
);
