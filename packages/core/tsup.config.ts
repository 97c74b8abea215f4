import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library.mjs';

export default defineConfig(
  libraryConfig({
    // `qlik-api`: the auth module for @qlik/api (an optional peer), and `qlik-embed`: the host
    // config for qlik-embed; both kept out of the main entry.
    entry: {
      index: 'src/index.ts',
      'qlik-api': 'src/qlik-api.ts',
      'qlik-embed': 'src/qlik-embed.ts',
    },
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
