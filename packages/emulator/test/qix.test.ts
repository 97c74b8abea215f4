import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.170.2.json';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../src/config/config.js';
import type { EmulatorOptions } from '../src/index.js';
import { evaluateExpression } from '../src/engine/expressions.js';
import { ADA, SALES_APP, engineUrl, signIn, start, type RunningEmulator } from './helpers.js';

let emulator: RunningEmulator | undefined;
afterEach(() => emulator?.close());

/** The slice of a generic object's layout and properties the suite reads. */
interface Item {
  qInfo: { qId: string; qType: string };
  qMeta: { title: string };
  qData: Record<string, unknown>;
}
interface Layout {
  qInfo: { qId: string; qType: string };
  qMeta: { title: string };
  qAppObjectList: { qItems: Item[] };
  qFieldList: { qItems: Item[] };
  custom: unknown;
}

interface GenericObject extends EnigmaJS.QixObject {
  getLayout(): Promise<Layout>;
  getProperties(): Promise<Record<string, unknown>>;
  setProperties(props: Record<string, unknown>): Promise<void>;
}
interface Doc extends EnigmaJS.QixObject {
  getObject(id: string): Promise<GenericObject>;
  createSessionObject(props: Record<string, unknown>): Promise<GenericObject>;
  destroySessionObject(id: string): Promise<boolean>;
  evaluate(expression: string): Promise<string>;
  evaluateEx(
    expression: string,
  ): Promise<{ qText: string; qIsNumeric: boolean; qNumber: number | string }>;
}
interface Global extends EnigmaJS.QixObject {
  openDoc(appId: string): Promise<Doc>;
  getDocList(): Promise<{ qDocId: string; qDocName: string; qTitle: string }[]>;
  getProgress(
    requestId: number,
  ): Promise<{ qFinished: boolean; qCompleted: number; qTotal: number }>;
}

/** The sheet list definition @qlik/api's `getSheetList()` mixin creates (its `sheets` mixin). */
const SHEET_LIST = {
  qInfo: { qId: 'SheetList', qType: 'SheetList' },
  qAppObjectListDef: {
    qType: 'sheet',
    qData: {
      title: '/qMetaDef/title',
      description: '/qMetaDef/description',
      rank: '/rank',
      thumbnail: '/thumbnail',
      cells: '/cells',
      columns: '/columns',
      rows: '/rows',
      missing: '/no/such/path',
    },
  },
};

async function openApp(config?: EmulatorOptions['config']) {
  emulator = await start(config ? { config } : {});
  const { tokens } = await signIn(emulator.url, { user: ADA.id });
  const session = enigma.create({
    schema,
    url: engineUrl(emulator.url, SALES_APP.id),
    createSocket: (url: string) =>
      new WebSocket(url, { headers: { authorization: `Bearer ${tokens.access_token}` } }) as never,
  });
  const global = await session.open<Global>();
  const doc = await global.openDoc(SALES_APP.id);
  return { session, global, doc };
}

describe('QIX Doc.GetObject', () => {
  it('answers a null handle for an unknown id, which enigma.js raises as OBJECT_NOT_FOUND (-2)', async () => {
    const { session, doc } = await openApp();
    try {
      await expect(doc.getObject('missing')).rejects.toMatchObject({
        code: -2,
        message: 'Object not found',
      });
    } finally {
      await session.close();
    }
  });

  it('opens a sheet of the app by id', async () => {
    const { session, doc } = await openApp();
    try {
      const sheet = await doc.getObject(`${SALES_APP.id}-sheet-overview`);
      expect(sheet.genericType).toBe('sheet');
      const layout = await sheet.getLayout();
      expect(layout.qInfo).toEqual({ qId: `${SALES_APP.id}-sheet-overview`, qType: 'sheet' });
      expect(layout.qMeta.title).toBe('Overview');
    } finally {
      await session.close();
    }
  });
});

/** The slice of a chart's layout the suite reads. */
interface ChartLayout {
  qInfo: { qId: string; qType: string };
  title: string;
  visualization: string;
  qHyperCubeDef?: unknown;
  qHyperCube: {
    qSize: { qcx: number; qcy: number };
    qDimensionInfo: { qFallbackTitle: string }[];
    qMeasureInfo: { qFallbackTitle: string; qMin: number; qMax: number }[];
    qDataPages: DataPage[];
  };
}
interface DataPage {
  qMatrix: { qText: string; qNum: number | string }[][];
  qArea: { qTop: number; qLeft: number; qWidth: number; qHeight: number };
}
interface Chart extends EnigmaJS.QixObject {
  getLayout(): Promise<ChartLayout>;
  getHyperCubeData(path: string, pages: unknown[]): Promise<DataPage[]>;
}

describe('QIX charts (what qlik-embed’s analytics/chart reads)', () => {
  it('opens a stock chart whose layout carries its hypercube and first data page', async () => {
    const { session, doc } = await openApp();
    try {
      const chart = (await doc.getObject(`${SALES_APP.id}-chart-revenue`)) as unknown as Chart;
      expect(chart.genericType).toBe('barchart');
      const layout = await chart.getLayout();
      expect(layout).toMatchObject({
        qInfo: { qId: `${SALES_APP.id}-chart-revenue`, qType: 'barchart' },
        title: 'Revenue by region',
        visualization: 'barchart',
      });
      // The engine replaces the definition with the cube it defines.
      expect(layout.qHyperCubeDef).toBeUndefined();
      const cube = layout.qHyperCube;
      expect(cube.qSize).toEqual({ qcx: 2, qcy: 4 });
      expect(cube.qDimensionInfo.map((info) => info.qFallbackTitle)).toEqual(['Region']);
      expect(cube.qMeasureInfo[0]).toMatchObject({
        qFallbackTitle: 'Revenue',
        qMin: 765,
        qMax: 1315,
      });
      expect(cube.qDataPages[0]!.qMatrix.map((row) => row.map((cell) => cell.qText))).toEqual([
        ['North', '1,240'],
        ['South', '980'],
        ['East', '765'],
        ['West', '1,315'],
      ]);
      expect(cube.qDataPages[0]!.qMatrix[0]![1]!.qNum).toBe(1240);
    } finally {
      await session.close();
    }
  });

  it('pages the data with GetHyperCubeData, clipped to the cube', async () => {
    const { session, doc } = await openApp();
    try {
      const chart = (await doc.getObject(`${SALES_APP.id}-chart-orders`)) as unknown as Chart;
      const [page] = await chart.getHyperCubeData('/qHyperCubeDef', [
        { qTop: 2, qLeft: 0, qWidth: 5, qHeight: 10 },
      ]);
      expect(page!.qArea).toEqual({ qTop: 2, qLeft: 0, qWidth: 2, qHeight: 2 });
      expect(page!.qMatrix.map((row) => row.map((cell) => cell.qText))).toEqual([
        ['Q3', '298'],
        ['Q4', '405'],
      ]);
      await expect(chart.getHyperCubeData('/qListObjectDef', [])).rejects.toMatchObject({
        code: -32602,
      });
    } finally {
      await session.close();
    }
  });

  it('places the stock charts on the app’s first sheet', async () => {
    const { session, doc } = await openApp();
    try {
      const sheet = await doc.getObject(`${SALES_APP.id}-sheet-overview`);
      const layout = (await sheet.getLayout()) as unknown as { cells: { name: string }[] };
      expect(layout.cells.map((cell) => cell.name)).toEqual([
        `${SALES_APP.id}-chart-revenue`,
        `${SALES_APP.id}-chart-orders`,
      ]);
    } finally {
      await session.close();
    }
  });
});

describe('QIX session objects', () => {
  it('lists the app’s sheets through a session object’s layout, as getSheetList() reads it', async () => {
    const { session, doc } = await openApp();
    try {
      const list = await doc.createSessionObject(SHEET_LIST);
      expect(list.id).toBe('SheetList');
      expect(list.genericType).toBe('SheetList');
      const layout = await list.getLayout();
      expect(layout.qInfo).toEqual(SHEET_LIST.qInfo);
      const items = layout.qAppObjectList.qItems;
      expect(items.map((item: Item) => item.qData.title)).toEqual(['Overview', 'Details']);
      expect(items[0]).toMatchObject({
        qInfo: { qId: `${SALES_APP.id}-sheet-overview`, qType: 'sheet' },
        qMeta: { title: 'Overview' },
        qData: {
          rank: 0,
          cells: [
            expect.objectContaining({ name: `${SALES_APP.id}-chart-revenue`, type: 'barchart' }),
            expect.objectContaining({ name: `${SALES_APP.id}-chart-orders`, type: 'linechart' }),
          ],
          columns: 24,
          rows: 12,
          missing: null,
        },
      });
      expect(await list.getProperties()).toEqual(SHEET_LIST);
    } finally {
      await session.close();
    }
  });

  it('uses the sheets an app is configured with', async () => {
    const apps = defaultConfig().apps.map((app) =>
      app.id === SALES_APP.id
        ? {
            ...app,
            sheets: [
              { id: 's-1', title: 'Revenue' },
              { id: 's-2', title: 'Margin' },
            ],
          }
        : app,
    );
    const { session, doc } = await openApp({ apps });
    try {
      const layout = await (await doc.createSessionObject(SHEET_LIST)).getLayout();
      expect(layout.qAppObjectList.qItems.map((item: Item) => item.qInfo.qId)).toEqual([
        's-1',
        's-2',
      ]);
      await expect(doc.getObject(`${SALES_APP.id}-sheet-overview`)).rejects.toMatchObject({
        code: -2,
      });
    } finally {
      await session.close();
    }
  });

  it('answers empty lists for the data-model lists an app without data has', async () => {
    const { session, doc } = await openApp();
    try {
      const list = await doc.createSessionObject({
        qInfo: { qType: 'FieldList' },
        qFieldListDef: { qShowSystem: false },
        qAppObjectListDef: { qType: 'masterobject' },
        custom: { kept: true },
      });
      const layout = await list.getLayout();
      expect(layout.qFieldList).toEqual({ qItems: [] });
      expect(layout.qAppObjectList).toEqual({ qItems: [] });
      expect(layout.custom).toEqual({ kept: true });
      // Without a qId the engine makes one up, and GetObject finds it in the same session.
      expect(layout.qInfo.qId).toMatch(/\S/);
      expect((await doc.getObject(layout.qInfo.qId)).id).toBe(layout.qInfo.qId);
    } finally {
      await session.close();
    }
  });

  it('keeps SetProperties and forgets a destroyed session object', async () => {
    const { session, doc } = await openApp();
    try {
      const object = await doc.createSessionObject({ qInfo: { qId: 'mine', qType: 'x' }, a: 1 });
      await object.setProperties({ qInfo: { qId: 'mine', qType: 'x' }, a: 2 });
      expect((await object.getProperties()).a).toBe(2);
      expect(await doc.destroySessionObject('mine')).toBe(true);
      await expect(doc.getObject('mine')).rejects.toMatchObject({ code: -2 });
    } finally {
      await session.close();
    }
  });
});

describe('QIX Evaluate, GetProgress and GetDocList', () => {
  it('evaluates expressions with Evaluate and EvaluateEx', async () => {
    const { session, doc } = await openApp();
    try {
      expect(await doc.evaluate('1 + 2 * 3')).toBe('7');
      expect(await doc.evaluate("'Hello ' & OSUser()")).toBe(`Hello ${ADA.id}`);
      expect(await doc.evaluate('DocumentTitle()')).toBe(SALES_APP.name);
      expect(await doc.evaluateEx('10 / 4')).toEqual({
        qText: '2.5',
        qIsNumeric: true,
        qNumber: 2.5,
      });
      const text = await doc.evaluateEx("'abc'");
      expect(text).toEqual({ qText: 'abc', qIsNumeric: false, qNumber: 'NaN' });
      expect(await doc.evaluate('Sum(Sales)')).toMatch(/^Error in expression/);
    } finally {
      await session.close();
    }
  });

  it('reports every request as finished in GetProgress', async () => {
    const { session, global } = await openApp();
    try {
      expect(await global.getProgress(0)).toMatchObject({
        qFinished: true,
        qCompleted: 1,
        qTotal: 1,
      });
    } finally {
      await session.close();
    }
  });

  it('lists the tenant’s apps in GetDocList', async () => {
    const { session, global } = await openApp();
    try {
      const docs = await global.getDocList();
      expect(docs.map((doc) => doc.qDocId)).toEqual(defaultConfig().apps.map((app) => app.id));
      expect(docs[0]).toMatchObject({ qDocName: SALES_APP.name, qTitle: SALES_APP.name });
    } finally {
      await session.close();
    }
  });
});

describe('evaluateExpression', () => {
  const scope = { documentTitle: 'T', documentName: 'id', userName: 'u', now: 0 };
  const value = (expression: string) => evaluateExpression(expression, scope).qText;

  it('follows arithmetic precedence, unary minus, parentheses and comparison', () => {
    expect(value('2 + 3 * 4 - 1')).toBe('13');
    expect(value('-(2 + 3) * 2')).toBe('-10');
    expect(value('0.1 + 0.2')).toBe('0.3');
    expect(value('1 / 0')).toBe('-');
    expect(value('2 > 1')).toBe('-1');
    expect(value("'a' = 'b'")).toBe('0');
    expect(value("If(1 < 2, 'yes', 'no')")).toBe('yes');
  });

  it('handles strings, doubled quotes and the data-free functions', () => {
    expect(value("'it''s' & ' ' & Upper('x')")).toBe("it's X");
    expect(value("Len('four')")).toBe('4');
    expect(value('Round(2.567, 0.01)')).toBe('2.57');
    expect(value('DocumentName() & QVUser()')).toBe('idu');
  });

  it('answers an error text, never a throw, for what it cannot compute', () => {
    for (const bad of ['', '1 +', "'open", '1 $ 2', 'Count(x)', '(1', 'Len()', '1 2']) {
      const result = evaluateExpression(bad, scope);
      expect(result.qText, bad).toMatch(/^Error in expression: /);
      expect(result.qIsNumeric).toBe(false);
    }
  });
});
