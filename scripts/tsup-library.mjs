// One build recipe for every published package (`tsup.config.ts` in each calls it): an ES module
// build and a CommonJS build of each public entry, each with its own declarations (`.d.ts` for
// `import`, `.d.cts` for `require`), so the package loads from `import`, from `require` on Node
// and from Jest's default CommonJS setup. How to add an entry: CONTRIBUTING.md, "Packaging".
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';

/** Finds `<dir>/node_modules/<name>/package.json` the way Node walks up from `dir`. */
function findPackageJson(name, dir) {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

/** The file a `require()` of the package's root would load, per its exports map or `main`. */
function requireTarget(pkg) {
  const pick = (target) => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return pick(target[0]);
    if (target && typeof target === 'object') {
      for (const condition of ['require', 'node', 'default']) {
        if (condition in target) return pick(target[condition]);
      }
    }
    return undefined;
  };
  const exports = pkg.exports;
  if (exports !== undefined) {
    const root =
      typeof exports === 'object' && !Array.isArray(exports) && '.' in exports
        ? exports['.']
        : exports;
    return pick(root);
  }
  return pkg.main ?? 'index.js';
}

/**
 * The runtime dependencies that only ship ES modules. A CommonJS build cannot `require` them
 * under Jest (which does not load ES modules from node_modules), so that build inlines them.
 */
export function esmOnlyDependencies(packageDir) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {}).filter((name) => {
    const found = findPackageJson(name, packageDir);
    if (!found) throw new Error(`${pkg.name}: dependency ${name} is not installed`);
    const dep = JSON.parse(readFileSync(found, 'utf8'));
    const target = requireTarget(dep);
    if (target === undefined) return true; // no CommonJS-reachable condition at all
    const ext = extname(target);
    return ext === '.mjs' || ((ext === '.js' || ext === '') && dep.type === 'module');
  });
}

/** A dependency's own top-level `const encoder = new TextEncoder();` (or `TextDecoder`). */
const TOP_LEVEL_CODEC = /^(const|let|var) ([\w$]+) = new Text(En|De)coder\(\);$/gm;

/**
 * An esbuild plugin for the builds that inline dependencies (the CommonJS build). A dependency
 * that makes its `TextEncoder` when its module loads (oauth4webapi makes one of each, for its
 * base64url and JSON helpers) throws a `ReferenceError` where the global is missing: Jest's
 * jsdom environment, before any test runs. Each such declaration becomes an object with the one
 * method, which makes the encoder on use. Loading then never throws; the first use in such an
 * environment still fails, after the core has checked and said what to do
 * (`requireWebCrypto` in packages/core/src/platform.ts); and an environment completed after
 * loading (`@qlik-auth/testing` adds the globals when a test tenant is made) is seen. Chosen
 * over a `typeof TextEncoder` guard, which would keep `undefined` for good in that last case, and
 * over a patched copy of the dependency, which an update would silently undo: this matches the
 * exact statement, and a test loads the built output without the globals.
 */
export const lazyTextCodecs = {
  name: 'lazy-text-codecs',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.m?js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.match(TOP_LEVEL_CODEC)) return undefined;
      return {
        contents: source.replace(TOP_LEVEL_CODEC, (_, kind, name, which) => {
          const method = which === 'En' ? 'encode' : 'decode';
          return `${kind} ${name} = { ${method}: (...args) => new Text${which}coder().${method}(...args) };`;
        }),
        loader: 'js',
        resolveDir: dirname(path),
      };
    });
  },
};

/**
 * tsup options for a published package.
 *
 * @param {object} library
 * @param {Record<string, string>} library.entry public entries, `{ outName: 'src/file.ts' }`;
 *   each becomes `dist/<outName>.js` + `.d.ts` and `dist/<outName>.cjs` + `.d.cts`
 * @param {Record<string, string>} [library.esmOnlyEntry] entries that are not part of the
 *   package's API (a CLI): ES module only, no declarations
 * @param {'browser' | 'node'} [library.platform]
 * @param {string} [library.target]
 * @param {string[]} [library.external] extra externals (subpaths of peers, e.g. `react/jsx-runtime`)
 * @param {string} [library.banner] first line of every built module (e.g. `'use client';`)
 * @param {string[]} [library.inline] dependencies bundled into the ES module build as well, for
 *   the parts used: a package whose start-up counts (a test tenant made in every test file)
 * @param {import('tsup').Options[]} [library.extra] further builds (e.g. a browser bundle)
 * @returns {import('tsup').Options[]}
 */
export function libraryConfig({
  entry,
  esmOnlyEntry = {},
  platform = 'browser',
  target = platform === 'node' ? 'node20' : 'es2022',
  external = [],
  banner,
  inline = [],
  extra = [],
}) {
  const packageDir = process.cwd();
  // The builds below run in parallel: clean once, here, rather than in each of them.
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  const common = {
    platform,
    target,
    sourcemap: true,
    clean: false,
    external,
    ...(banner ? { banner: { js: banner } } : {}),
  };
  return [
    {
      ...common,
      entry: { ...entry, ...esmOnlyEntry },
      format: ['esm'],
      dts: { entry },
      noExternal: inline,
    },
    {
      ...common,
      entry,
      format: ['cjs'],
      dts: { entry },
      noExternal: [...new Set([...esmOnlyDependencies(packageDir), ...inline])],
      esbuildPlugins: [lazyTextCodecs],
    },
    ...extra,
  ];
}
