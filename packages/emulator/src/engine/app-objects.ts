import type { AppConfig, SheetConfig } from '../config/config.js';
import { chartProperties, chartsOf, hyperCubeLayout, type StockChart } from './charts.js';

/** The sheets an app has: its configured ones, or two stock sheets when it has none. */
export function sheetsOf(app: AppConfig): SheetConfig[] {
  if (app.sheets && app.sheets.length > 0) return app.sheets;
  return [
    {
      id: `${app.id}-sheet-overview`,
      title: 'Overview',
      description: `Key figures of ${app.name}`,
    },
    { id: `${app.id}-sheet-details`, title: 'Details', description: `The rows behind ${app.name}` },
  ];
}

/** The properties of a generic object: anything, with its `qInfo`. */
export type Properties = Record<string, unknown> & { qInfo: { qId: string; qType: string } };

/** A generic object the session holds a handle to: a sheet of the app or a session object. */
export interface GenericObject {
  handle: number;
  properties: Properties;
  /** Session objects live only as long as the socket. */
  session: boolean;
  /** The stock chart it is, whose hypercube the layout and `GetHyperCubeData` compute. */
  chart?: StockChart;
}

/** Reads a JSON pointer such as `/qMetaDef/title` from an object (RFC 6901). */
function pointer(root: unknown, path: string): unknown {
  if (path === '' || path === '/') return root;
  let current: unknown = root;
  for (const raw of path.replace(/^\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Whether a value is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The generic objects of one engine session: the app's sheets and stock charts (opened on first
 * use) and the session objects a client creates, each under a handle, and their layouts.
 */
export class AppObjects {
  private readonly objects = new Map<number, GenericObject>();
  private readonly sheets: SheetConfig[];
  private readonly charts: StockChart[];

  constructor(
    app: AppConfig,
    /** The first handle to give: those below belong to the global and the document. */
    private nextHandle: number,
  ) {
    this.sheets = sheetsOf(app);
    this.charts = chartsOf(app);
  }

  /** The object under a handle, if open. */
  get(handle: number): GenericObject | undefined {
    return this.objects.get(handle);
  }

  /** Closes an object: its handle is gone. */
  delete(handle: number): void {
    this.objects.delete(handle);
  }

  /** An id for a session object created without one. */
  generatedId(): string {
    return `session-${this.nextHandle}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Gives an object a handle. */
  register(properties: Properties, session: boolean, chart?: StockChart): GenericObject {
    const object = { handle: this.nextHandle++, properties, session, ...(chart ? { chart } : {}) };
    this.objects.set(object.handle, object);
    return object;
  }

  /** The reference the engine answers for an object: its handle and ids. */
  ref(object: GenericObject) {
    return {
      qReturn: {
        qType: 'GenericObject',
        qHandle: object.handle,
        qGenericType: object.properties.qInfo.qType,
        qGenericId: object.properties.qInfo.qId,
      },
    };
  }

  /**
   * An object by id: one already open in this session, else a sheet or a stock chart of the app
   * (opened now).
   */
  find(id: string): GenericObject | undefined {
    for (const object of this.objects.values()) {
      if (object.properties.qInfo.qId === id) return object;
    }
    const sheet = this.sheets.find((candidate) => candidate.id === id);
    if (sheet) return this.register(this.sheetProperties(sheet), false);
    const chart = this.charts.find((candidate) => candidate.id === id);
    return chart ? this.register(chartProperties(chart), false, chart) : undefined;
  }

  private sheetProperties(sheet: SheetConfig): Properties {
    return {
      qInfo: { qId: sheet.id, qType: 'sheet' },
      qMetaDef: { title: sheet.title, description: sheet.description ?? '' },
      rank: this.sheets.indexOf(sheet),
      thumbnail: { qStaticContentUrlDef: {} },
      columns: 24,
      rows: 12,
      // The stock charts stand side by side on the first sheet.
      cells:
        this.sheets.indexOf(sheet) === 0
          ? this.charts.map((chart, index) => ({
              name: chart.id,
              type: chart.type,
              col: index * 12,
              row: 0,
              colspan: 12,
              rowspan: 6,
            }))
          : [],
    };
  }

  /**
   * The layout of a generic object: its properties with each `q...ListDef` replaced by the list
   * it defines, and a stock chart's `qHyperCubeDef` by its `qHyperCube`. Only app-object lists of
   * sheets have items; the apps have no data model, so field, dimension, measure and bookmark
   * lists are empty.
   */
  layoutOf(properties: Properties, chart?: StockChart): Record<string, unknown> {
    const layout: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties)) {
      if (key === 'qMetaDef') continue;
      if (key === 'qHyperCubeDef' && chart) {
        layout.qHyperCube = hyperCubeLayout(chart, value);
        continue;
      }
      const list = /^(q\w+List)Def$/.exec(key);
      if (list && isObject(value)) {
        layout[list[1]!] = { qItems: this.listItems(key, value) };
      } else {
        layout[key] = structuredClone(value);
      }
    }
    const meta = isObject(properties.qMetaDef) ? properties.qMetaDef : {};
    layout.qMeta = { ...meta, privileges: ['read'] };
    return layout;
  }

  private listItems(key: string, definition: Record<string, unknown>): unknown[] {
    if (key !== 'qAppObjectListDef' || definition.qType !== 'sheet') return [];
    const data = isObject(definition.qData) ? definition.qData : {};
    return this.sheets.map((sheet) => {
      const properties = this.sheetProperties(sheet);
      const qData: Record<string, unknown> = {};
      for (const [name, path] of Object.entries(data)) {
        if (typeof path === 'string') qData[name] = pointer(properties, path) ?? null;
      }
      return {
        qInfo: properties.qInfo,
        qMeta: { ...(properties.qMetaDef as object), privileges: ['read'] },
        qData,
      };
    });
  }
}
