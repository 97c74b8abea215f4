/**
 * `GET /qlik-embed/main.js` and the runtime modules it loads.
 *
 * @qlik/api in a browser does not carry its own auth, REST and QIX implementations: it loads
 * `<host>/qlik-embed/main.js` with a classic `<script>`, waits for it to define `window.QlikMain`,
 * and then asks `QlikMain.import('auth@v1' | 'invoke-fetch@v1' | 'qix@v1')` for the shared
 * runtime modules (see `importRuntimeModule` in its `dist-*.js` chunk). A tenant serves those from
 * its CDN; without them @qlik/api waits forever. The emulator serves the same modules built from
 * the installed @qlik/api's own published files: in Node, @qlik/api imports exactly these files
 * directly (its `public-runtime-modules-*.js` chunk names them), so the browser runs the code Node
 * runs. Those files import npm packages by bare name (one of them CommonJS), which a browser
 * cannot resolve, so they are bundled once with esbuild, split so that the modules share one copy
 * of @qlik/api's state (registered auth modules, host configs, caches), as on a tenant.
 *
 * qlik-embed (`@qlik/embed-react`, `@qlik/embed-web-components`) loads the same main.js and then
 * its UI module `embed-vanilla@v1`; for that the emulator serves a stand-in that draws a plain
 * placeholder (ui.ts): the real visuals come from a Qlik Cloud tenant.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { productInfo } from './product-info.js';
import { EMBED_VANILLA_SOURCE } from './ui.js';

/** The stand-in for qlik-embed's UI module, among the built files. */
const STAND_IN_FILE = 'embed-vanilla-stand-in.js';

/** Where the built modules are served, under the tenant's origin. */
export const RUNTIME_MODULES_PATH = '/qlik-embed/modules/';

/** A runtime module of @qlik/api: the file Node imports for it, and the export it takes. */
export interface RuntimeModuleSource {
  name: string;
  file: string;
  /** The named export that is the module (`qix@v1` is a namespace object), or none. */
  exportName?: string;
}

/** What main.js and the modules are served from: a built @qlik/api, or why there is none. */
type Build =
  | {
      ok: true;
      version: string;
      modules: { name: string; file: string; exportName?: string }[];
      files: Map<string, string>;
    }
  | { ok: false; status: number; title: string; detail: string };

const INSTALL_HINT =
  'Install @qlik/api (an optional peer dependency of @qlik-auth/emulator) next to the emulator, ' +
  'e.g. `npm install --save-dev @qlik/api@^2.19`, and restart it.';

/**
 * Reads the runtime module table out of @qlik/api's `public-runtime-modules-*.js` chunk: for
 * each module, the relative file its Node branch imports and the export it takes
 * (`if (isNode) return import("./x.js").then((n) => n.t); return (...)("qix@v1", hostConfig)`).
 */
export function parseRuntimeModules(source: string): RuntimeModuleSource[] {
  const pattern =
    /import\("\.\/([\w.-]+\.js)"\)(?:\.then\(\((\w+)\)\s*=>\s*\2\.(\w+)\))?;\s*return \(await \w+\)\("([\w-]+@v\d+)"/g;
  const modules: RuntimeModuleSource[] = [];
  for (const match of source.matchAll(pattern)) {
    modules.push({
      name: match[4]!,
      file: match[1]!,
      ...(match[3] ? { exportName: match[3] } : {}),
    });
  }
  return modules;
}

/** Finds the installed @qlik/api's directory, from the emulator's location or the working one. */
function findQlikApi(): string | undefined {
  for (const from of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      // The package exports no ./package.json; its main entry sits at the package root.
      return dirname(createRequire(from).resolve('@qlik/api'));
    } catch {
      // Not resolvable from here; try the next place.
    }
  }
  return undefined;
}

/** Builds per installed @qlik/api directory: the same files always build the same modules. */
const builds = new Map<string, Promise<Build>>();

function build(locate: () => string | undefined): Promise<Build> {
  const root = locate();
  if (!root) {
    return Promise.resolve({
      ok: false,
      status: 404,
      title: '@qlik/api is not installed',
      detail: INSTALL_HINT,
    });
  }
  let built = builds.get(root);
  if (!built) {
    built = buildFrom(root);
    builds.set(root, built);
  }
  return built;
}

async function buildFrom(root: string): Promise<Build> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const chunks = join(root, 'chunks');
  const table = existsSync(chunks)
    ? (await readdir(chunks)).find((file) => /^public-runtime-modules-[\w-]+\.js$/.test(file))
    : undefined;
  const sources = table ? parseRuntimeModules(await readFile(join(chunks, table), 'utf8')) : [];
  if (!sources.some((module) => module.name === 'auth@v1')) {
    return {
      ok: false,
      status: 501,
      title: `@qlik/api ${pkg.version} is not supported`,
      detail: `its runtime module table was not found; the emulator serves @qlik/api 2.19 and later 2.x. ${INSTALL_HINT}`,
    };
  }
  const { build: esbuild } = await import('esbuild');
  const entryOf = (name: string) => name.replace(/[^\w]/g, '-');
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(
      sources.map((module) => [entryOf(module.name), join(chunks, module.file)]),
    ),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    // Only reached in @qlik/api's Node branches; a browser never evaluates these imports.
    external: ['ws', 'fs'],
    outdir: join(root, '.qlik-auth-emulator'),
    write: false,
    entryNames: '[name]',
    chunkNames: 'shared-[hash]',
    minify: true,
    logLevel: 'silent',
  });
  const files = new Map<string, string>();
  for (const file of result.outputFiles) {
    files.set(file.path.slice(file.path.lastIndexOf('/') + 1), file.text);
  }
  const modules = sources.map((module) => ({ ...module, file: `${entryOf(module.name)}.js` }));
  // Loading the auth module runs @qlik/api's OAuth redirect handling, which is all the
  // `oauth-callback@v1` module of @qlik/embed-web-components' callback page has to do.
  const auth = modules.find((module) => module.name === 'auth@v1')!;
  if (!modules.some((module) => module.name === 'oauth-callback@v1')) {
    modules.push({ name: 'oauth-callback@v1', file: auth.file });
  }
  // qlik-embed's UIs: a stand-in that draws placeholders from the emulated engine, through the
  // runtime modules above (see ui.ts); Qlik's real visuals need a Qlik Cloud tenant.
  files.set(STAND_IN_FILE, EMBED_VANILLA_SOURCE);
  modules.push({ name: 'embed-vanilla@v1', file: STAND_IN_FILE });
  return { ok: true, version: pkg.version, modules, files };
}

/** The script at `/qlik-embed/main.js`: defines `window.QlikMain` over the built modules. */
function mainScript(origin: string, built: Extract<Build, { ok: true }>): string {
  const table = Object.fromEntries(
    built.modules.map((module) => [
      module.name,
      { url: `${origin}${RUNTIME_MODULES_PATH}${module.file}`, exportName: module.exportName },
    ]),
  );
  return `/* Qlik runtime modules from @qlik/api ${built.version}, served by @qlik-auth/emulator. */
(function () {
  if (window.QlikMain) return;
  var modules = ${JSON.stringify(table)};
  window.QlikMain = {
    import: function (name) {
      var entry = modules[name];
      if (!entry) {
        return Promise.reject(new Error("The Qlik Cloud emulator does not serve the runtime module " + name));
      }
      return import(entry.url).then(function (module) {
        return entry.exportName ? module[entry.exportName] : module;
      });
    },
    getRootUrl: function () { return ${JSON.stringify(`${origin}/`)}; },
    resourceNeedsCredentials: function () { return false; },
    PRODUCT_INFO: ${JSON.stringify(productInfo())},
    INTERNAL__DO_NOT_USE: {}
  };
})();
`;
}

/** A served file or error, as plain data the HTTP layer turns into a response. */
export interface QlikEmbedResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Options of {@link createQlikEmbed}. */
export interface QlikEmbedOptions {
  /** Finds the @qlik/api package directory; by default Node resolution from here or the cwd. */
  locateQlikApi?: () => string | undefined;
}

/**
 * Serves main.js and the runtime modules. The build runs on the first request (once per process
 * and installed @qlik/api), so an emulator that never sees @qlik/api pays nothing for it.
 */
export function createQlikEmbed(options: QlikEmbedOptions = {}) {
  let built: Promise<Build> | undefined;
  const current = () => (built ??= build(options.locateQlikApi ?? findQlikApi));

  const failure = (result: Extract<Build, { ok: false }>): QlikEmbedResponse => ({
    status: result.status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({
      errors: [
        {
          code: 'EMULATOR-QLIK-EMBED',
          title: result.title,
          detail: result.detail,
          status: String(result.status),
        },
      ],
    }),
  });

  return {
    /** Whether a path is one this serves. */
    handles(path: string): boolean {
      return path === '/qlik-embed/main.js' || path.startsWith(RUNTIME_MODULES_PATH);
    },
    /**
     * Answers `/qlik-embed/main.js` (with module URLs on `origin`, the tenant's origin as the
     * client addressed it) or one built module; undefined for an unknown module file.
     */
    async serve(path: string, origin: string): Promise<QlikEmbedResponse | undefined> {
      const result = await current();
      if (!result.ok) return failure(result);
      if (path === '/qlik-embed/main.js') {
        return {
          status: 200,
          contentType: 'text/javascript; charset=utf-8',
          body: mainScript(origin, result),
        };
      }
      const file = result.files.get(path.slice(RUNTIME_MODULES_PATH.length));
      return file === undefined
        ? undefined
        : { status: 200, contentType: 'text/javascript; charset=utf-8', body: file };
    },
  };
}
