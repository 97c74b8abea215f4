/**
 * A stand-in for qlik-embed's UI runtime module `embed-vanilla@v1`, served by the emulator with
 * `/qlik-embed/main.js`. On Qlik Cloud this module draws Qlik's real visuals; the emulator has
 * none of them, so it draws a plain placeholder instead: the object's title and its data as a
 * table, read from the emulated engine, and a note that says the real visuals come from a Qlik
 * Cloud tenant.
 *
 * What it imitates is the interface the published packages call, which this was written against
 * and is tested with (e2e/qlik-embed.spec.ts):
 * - `@qlik/embed-react` 2.4.0 (`dist/index.js`): `importRuntimeModule("embed-vanilla@v1",
 *   hostConfig)`, then `mountVanillaEmbedComponent({ target, props: { hostConfig, ...props } })`,
 *   and on the component it returns `$set(props)` on every render and `$destroy()` on unmount.
 * - `@qlik/embed-web-components` 1.6.0 (`dist/index.js`, class `QlikEmbed`): the same call with
 *   the element as `target` and its attributes as props (`ui`, `appId`, `objectId`, the host
 *   config from `data-host`, `data-auth-type`, ...), `$set` when an attribute changes.
 * - Like Qlik's runtime, it authenticates only through the host config, with the runtime's own
 *   modules from the same main.js (`invoke-fetch@v1` for REST, `qix@v1` for the engine socket),
 *   so every token comes from the host config's auth module and a 401 reaches its
 *   `handleAuthenticationError`.
 *
 * Supported: `ui="analytics/chart"` (an object with a hypercube) and `ui="analytics/sheet"` (a
 * sheet, and the charts on it). Anything else shows an error saying so.
 */

/** The versions of Qlik's packages the stand-in is tested with. */
export const STAND_IN_TESTED_WITH = {
  '@qlik/embed-react': '2.4.0',
  '@qlik/embed-web-components': '1.6.0',
} as const;

/** What the placeholder says of itself, on the page. */
export const STAND_IN_NOTE =
  'Stand-in drawn by the qlik-auth emulator from its emulated engine: the real Qlik visuals come from a Qlik Cloud tenant.';

/**
 * The module's source, as the browser runs it (an ES module; it imports nothing by URL: the
 * runtime modules come through `window.QlikMain.import`, so they are the page's one copy). Its
 * DOM is built with `textContent` only (no HTML from data) and styled through CSSOM properties,
 * which a Content-Security-Policy without `'unsafe-inline'` allows.
 */
export const EMBED_VANILLA_SOURCE = `/* embed-vanilla@v1: a stand-in served by @qlik-auth/emulator. ${STAND_IN_NOTE} */
const NOTE = ${JSON.stringify(STAND_IN_NOTE)};
const SUPPORTED = ['analytics/chart', 'analytics/sheet'];
const load = (name) => window.QlikMain.import(name);

function element(tag, text, style) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (style) Object.assign(node.style, style);
  return node;
}

/** The rows of a chart's hypercube: its first data page, else one asked for. */
async function rowsOf(object, layout) {
  const cube = layout.qHyperCube;
  if (!cube) throw new Error('the object has no hypercube: not a chart');
  let matrix = cube.qDataPages && cube.qDataPages[0] ? cube.qDataPages[0].qMatrix : [];
  if (matrix.length === 0 && cube.qSize.qcy > 0) {
    const pages = await object.getHyperCubeData('/qHyperCubeDef', [
      { qTop: 0, qLeft: 0, qWidth: cube.qSize.qcx, qHeight: Math.min(cube.qSize.qcy, 500) },
    ]);
    matrix = pages[0] ? pages[0].qMatrix : [];
  }
  const headers = cube.qDimensionInfo
    .map((info) => info.qFallbackTitle)
    .concat(cube.qMeasureInfo.map((info) => info.qFallbackTitle));
  return { headers, rows: matrix.map((row) => row.map((cell) => cell.qText)) };
}

function table({ headers, rows }) {
  const node = element('table', undefined, { borderCollapse: 'collapse', width: '100%' });
  const head = node.createTHead().insertRow();
  for (const header of headers) {
    const cell = element('th', header, { textAlign: 'left', padding: '2px 8px', borderBottom: '1px solid #ccc' });
    cell.scope = 'col';
    head.appendChild(cell);
  }
  const body = node.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const value of row) line.appendChild(element('td', value, { padding: '2px 8px' }));
  }
  return node;
}

/** One chart: its title and its data. */
async function chartBlock(doc, id) {
  const object = await doc.getObject(id);
  const layout = await object.getLayout();
  const title = layout.title || (layout.qMeta && layout.qMeta.title) || id;
  return { id, title, data: await rowsOf(object, layout) };
}

/**
 * What decides what is shown: the UI, the object, and the host config's plain values (the web
 * components make a new host config object from their attributes on every change).
 */
function shownKey(props) {
  const config = props.hostConfig || {};
  const plain = Object.keys(config)
    .filter((name) => ['string', 'number', 'boolean'].includes(typeof config[name]))
    .sort()
    .map((name) => name + '=' + config[name]);
  return [props.ui, props.appId, props.objectId].concat(plain).join('\\n');
}

export function mountVanillaEmbedComponent({ target, props }) {
  let current = Object.assign({}, props);
  let shownFor;
  let run = 0;
  let session;
  const root = element('figure', undefined, {
    margin: '0',
    padding: '12px',
    border: '1px dashed #888',
    borderRadius: '6px',
    fontFamily: 'system-ui, sans-serif',
    fontSize: '14px',
  });
  root.setAttribute('data-qlik-embed-stand-in', '');
  target.appendChild(root);

  function show(state, content) {
    root.setAttribute('data-state', state);
    root.replaceChildren(...content, element('figcaption', NOTE, { marginTop: '8px', fontSize: '12px', color: '#666' }));
  }

  /** Opens the app's session; the one it replaces closes after, so one app keeps one socket. */
  function openSession(qix, appId, hostConfig) {
    const previous = session;
    session = qix.openAppSession({ appId, hostConfig });
    if (previous) previous.close().catch(() => {});
    return session;
  }

  async function render() {
    const mine = ++run;
    const { ui, appId, objectId, hostConfig } = current;
    shownFor = shownKey(current);
    root.setAttribute('data-ui', String(ui));
    root.setAttribute('data-object-id', String(objectId));
    show('loading', [element('p', 'Loading ' + ui + ' ' + objectId + '…')]);
    try {
      if (!SUPPORTED.includes(ui)) {
        throw new Error('the emulator has no stand-in for ui="' + ui + '" (it has ' + SUPPORTED.join(', ') + ')');
      }
      if (!appId || !objectId) throw new Error(ui + ' needs app-id and object-id');
      const [fetching, qix] = await Promise.all([load('invoke-fetch@v1'), load('qix@v1')]);
      // The app's item, as Qlik's UIs read app metadata before the engine: a REST call with the
      // host config's Bearer, and where a refused token is reported (401) and renewed.
      const { data: items } = await fetching.invokeFetch('items', {
        method: 'get',
        pathTemplate: '/api/v1/items',
        query: { resourceType: 'app', resourceId: appId },
        options: { hostConfig, noCache: true },
      });
      if (!items.data || items.data.length === 0) throw new Error('no app ' + appId + ' on this tenant');
      const doc = await openSession(qix, appId, hostConfig).getDoc();
      let heading;
      let blocks;
      if (ui === 'analytics/sheet') {
        const sheet = await (await doc.getObject(objectId)).getLayout();
        heading = (sheet.qMeta && sheet.qMeta.title) || objectId;
        blocks = await Promise.all((sheet.cells || []).map((cell) => chartBlock(doc, cell.name)));
      } else {
        const block = await chartBlock(doc, objectId);
        heading = block.title;
        blocks = [{ id: block.id, data: block.data }];
      }
      if (mine !== run) return;
      const content = [element('strong', heading, { display: 'block', fontSize: '16px', marginBottom: '6px' })];
      for (const block of blocks) {
        if (block.title) content.push(element('p', block.title, { margin: '8px 0 4px', fontWeight: '600' }));
        const data = table(block.data);
        data.setAttribute('data-object-id', block.id);
        content.push(data);
      }
      show('ready', content);
      root.setAttribute('data-app-title', items.data[0].name);
    } catch (error) {
      if (mine !== run) return;
      const code = error && (error.code || error.name);
      const message = error && error.message ? error.message : String(error);
      const alert = element('p', 'qlik-embed could not show ' + ui + ': ' + (code ? code + ': ' : '') + message, { color: '#b00020' });
      alert.setAttribute('role', 'alert');
      if (code) alert.setAttribute('data-error-code', String(code));
      show('error', [alert]);
    }
  }

  void render();
  return {
    /** qlik-embed calls this on every render of its host: reload only when what is shown changes. */
    $set(next) {
      current = Object.assign({}, current, next);
      if (shownKey(current) !== shownFor) void render();
    },
    $destroy() {
      run += 1;
      if (session) session.close().catch(() => {});
      session = undefined;
      root.remove();
    },
  };
}
`;
