/**
 * The charts of the emulated apps, for qlik-embed's `analytics/chart` and `analytics/sheet`: two
 * stock charts per app (a bar chart and a line chart), each a generic object with a hypercube
 * the emulated engine computes a layout and data pages for. The apps have no data model: the
 * rows are fixed, and the same for every app.
 *
 * The shapes follow the Engine API's GenericObject on qlik.dev: `HyperCubeDef` in the properties
 * becomes `qHyperCube` in the layout (`qSize`, `qDimensionInfo`, `qMeasureInfo`, `qDataPages` for
 * `qInitialDataFetch`), and `GetHyperCubeData` answers `NxPage`s with `NxDataPage`s of `NxCell`s.
 * https://qlik.dev/apis/json-rpc/qix/genericobject/#gethypercubedata
 */
import type { AppConfig } from '../config/config.js';

/** A stock chart: one dimension, one measure, fixed rows. */
export interface StockChart {
  /** The object id (`qInfo.qId`), unique within its app. */
  id: string;
  /** The visualization type (`qInfo.qType`, `visualization`). */
  type: 'barchart' | 'linechart';
  title: string;
  dimension: string;
  measure: string;
  /** The measure's expression, as a chart's properties carry it. */
  expression: string;
  rows: [string, number][];
}

/** The stock charts of an app. */
export function chartsOf(app: AppConfig): StockChart[] {
  return [
    {
      id: `${app.id}-chart-revenue`,
      type: 'barchart',
      title: 'Revenue by region',
      dimension: 'Region',
      measure: 'Revenue',
      expression: 'Sum(Revenue)',
      rows: [
        ['North', 1240],
        ['South', 980],
        ['East', 765],
        ['West', 1315],
      ],
    },
    {
      id: `${app.id}-chart-orders`,
      type: 'linechart',
      title: 'Orders by quarter',
      dimension: 'Quarter',
      measure: 'Orders',
      expression: 'Count(OrderId)',
      rows: [
        ['Q1', 312],
        ['Q2', 347],
        ['Q3', 298],
        ['Q4', 405],
      ],
    },
  ];
}

/** The properties of a stock chart, as `GetProperties` returns them. */
export function chartProperties(chart: StockChart): Record<string, unknown> & {
  qInfo: { qId: string; qType: string };
} {
  return {
    qInfo: { qId: chart.id, qType: chart.type },
    qMetaDef: { title: chart.title },
    visualization: chart.type,
    title: chart.title,
    subtitle: '',
    footnote: '',
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: [chart.dimension], qFieldLabels: [chart.dimension] } }],
      qMeasures: [{ qDef: { qDef: chart.expression, qLabel: chart.measure } }],
      qMode: 'S',
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 500 }],
    },
  };
}

/** A page of the hypercube's data, as the engine's `NxPage` asks for it. */
export interface NxPage {
  qTop: number;
  qLeft: number;
  qWidth: number;
  qHeight: number;
}

const format = (value: number) => value.toLocaleString('en-US');

/** The cells of one row: the dimension value, then the measure value. */
function rowCells(chart: StockChart, index: number) {
  const [label, value] = chart.rows[index]!;
  return [
    // JSON has no NaN: the engine writes a text cell's number as the string "NaN".
    { qText: label, qNum: 'NaN', qElemNumber: index, qState: 'O' },
    { qText: format(value), qNum: value, qElemNumber: 0, qState: 'L' },
  ];
}

/** The data pages of a stock chart's hypercube for the pages asked for, clipped to its size. */
export function dataPages(chart: StockChart, pages: unknown): unknown[] {
  const asked = Array.isArray(pages) ? pages : [];
  return asked.map((raw) => {
    const page = (typeof raw === 'object' && raw ? raw : {}) as Partial<NxPage>;
    const top = Math.max(0, Math.min(Number(page.qTop) || 0, chart.rows.length));
    const left = Math.max(0, Math.min(Number(page.qLeft) || 0, 2));
    const height = Math.max(0, Math.min(Number(page.qHeight) || 0, chart.rows.length - top));
    const width = Math.max(0, Math.min(Number(page.qWidth) || 0, 2 - left));
    const qMatrix = Array.from({ length: height }, (_, row) =>
      rowCells(chart, top + row).slice(left, left + width),
    );
    return {
      qMatrix,
      qTails: [],
      qArea: { qTop: top, qLeft: left, qWidth: width, qHeight: height },
    };
  });
}

/** The `qHyperCube` of a stock chart's layout, with the data pages its definition fetches. */
export function hyperCubeLayout(chart: StockChart, definition: unknown): Record<string, unknown> {
  const values = chart.rows.map(([, value]) => value);
  const def = (typeof definition === 'object' && definition ? definition : {}) as {
    qInitialDataFetch?: unknown;
  };
  return {
    qSize: { qcx: 2, qcy: chart.rows.length },
    qDimensionInfo: [
      {
        qFallbackTitle: chart.dimension,
        qCardinal: chart.rows.length,
        qSortIndicator: 'A',
        qGroupFieldDefs: [chart.dimension],
        qDimensionType: 'D',
        qGrouping: 'N',
        qNumFormat: { qType: 'U', qnDec: 0, qUseThou: 0 },
        qIsAutoFormat: true,
        qAttrExprInfo: [],
        qAttrDimInfo: [],
      },
    ],
    qMeasureInfo: [
      {
        qFallbackTitle: chart.measure,
        qCardinal: 0,
        qSortIndicator: 'D',
        qNumFormat: { qType: 'U', qnDec: 0, qUseThou: 0 },
        qMin: Math.min(...values),
        qMax: Math.max(...values),
        qIsAutoFormat: true,
        qAttrExprInfo: [],
        qAttrDimInfo: [],
      },
    ],
    qEffectiveInterColumnSortOrder: [0, 1],
    qGrandTotalRow: [
      {
        qText: format(values.reduce((sum, value) => sum + value, 0)),
        qNum: values.reduce((sum, value) => sum + value, 0),
        qElemNumber: -1,
        qState: 'X',
      },
    ],
    qDataPages: dataPages(chart, def.qInitialDataFetch),
    qPivotDataPages: [],
    qStackedDataPages: [],
    qMode: 'S',
    qNoOfLeftDims: -1,
    qHasOtherValues: false,
    qTitle: '',
  };
}
