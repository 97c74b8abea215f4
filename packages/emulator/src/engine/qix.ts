import type { WebSocket } from 'ws';
import type { AppConfig } from '../config/config.js';
import { AppObjects, isObject, type GenericObject } from './app-objects.js';
import { dataPages } from './charts.js';
import { evaluateExpression } from './expressions.js';

interface RpcRequest {
  jsonrpc?: string;
  id?: number | string;
  handle?: number;
  method?: string;
  params?: unknown;
}

/** A parameter of the call, by name (an object of params) or position (an array). */
type Param = (name: string, index: number) => unknown;
/** Answers the call with its result. */
type Reply = (result: unknown) => void;
/** Answers the call with a JSON-RPC error. */
type Fail = (code: number, message: string, parameter?: string) => void;

/** JSON-RPC error codes the engine uses. */
const RPC = { parse: -32700, invalid: -32600, noMethod: -32601, params: -32602 };
/** The engine's LOCERR codes the emulator answers with. */
const LOCERR = { appNotFound: 1002, noActiveDoc: 1007 };

const GLOBAL_HANDLE = -1;
const DOC_HANDLE = 1;

/** The object reference the engine returns for a handle it could not open (`qHandle` null). */
const NOT_FOUND = { qReturn: { qType: null, qHandle: null, qGenericType: null, qGenericId: null } };

/** Who is on the other end of the socket, as the engine session sees it. */
export interface QixUser {
  /** `UserDirectory=...; UserId=...`, what `GetAuthenticatedUser` answers. */
  authenticatedUser: string;
  /** The user's id, what `OSUser()` evaluates to. */
  userId: string;
}

/**
 * One QIX engine session over one WebSocket: enough of the Global, Doc and GenericObject APIs for
 * enigma.js and @qlik/api to open an app, read its layout, list its sheets through session
 * objects and evaluate simple expressions. Handle -1 is Global, 1 the opened Doc; objects get
 * handles from 2 up, as the engine hands them out.
 */
export class QixSession {
  private docOpen = false;
  private readonly objects: AppObjects;

  constructor(
    private readonly ws: WebSocket,
    private readonly app: AppConfig,
    private readonly apps: () => AppConfig[],
    private readonly user: QixUser,
    private readonly now: () => number,
  ) {
    this.objects = new AppObjects(app, DOC_HANDLE + 1);
    // The engine greets first; enigma.js and @qlik/api wait for this notification.
    this.send({
      jsonrpc: '2.0',
      method: 'OnConnected',
      params: { qSessionState: 'SESSION_CREATED' },
    });
    ws.on('message', (data) => this.onMessage(String(data)));
  }

  private send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  private onMessage(text: string): void {
    let request: RpcRequest;
    try {
      request = JSON.parse(text) as RpcRequest;
    } catch {
      this.send({ jsonrpc: '2.0', id: null, error: { code: RPC.parse, message: 'Parse error' } });
      return;
    }
    if (typeof request !== 'object' || request === null || typeof request.method !== 'string') {
      this.send({
        jsonrpc: '2.0',
        id: request?.id ?? null,
        error: { code: RPC.invalid, message: 'Invalid request' },
      });
      return;
    }
    // `delta: true` asks for JSON patches; answering whole results without `delta` in the
    // response is allowed, and both enigma.js and @qlik/api then use the result as it is.
    const reply = (result: unknown) => this.send({ jsonrpc: '2.0', id: request.id, result });
    const fail = (code: number, message: string, parameter?: string) =>
      this.send({
        jsonrpc: '2.0',
        id: request.id,
        error: { code, message, ...(parameter ? { parameter } : {}) },
      });
    const params = request.params;
    const param = (name: string, index: number): unknown =>
      Array.isArray(params) ? params[index] : isObject(params) ? params[name] : undefined;

    if (request.handle === GLOBAL_HANDLE) return this.global(request.method, param, reply, fail);
    if (request.handle === DOC_HANDLE && this.docOpen) {
      return this.doc(request.method, param, reply, fail);
    }
    const object = typeof request.handle === 'number' && this.objects.get(request.handle);
    if (object) return this.genericObject(object, request.method, param, reply, fail);
    return fail(RPC.params, 'Invalid handle', String(request.handle));
  }

  private docRef() {
    return { qReturn: { qType: 'Doc', qHandle: DOC_HANDLE, qGenericId: this.app.id } };
  }

  private global(method: string, param: Param, reply: Reply, fail: Fail): void {
    switch (method) {
      case 'OpenDoc': {
        const docName = param('qDocName', 0);
        if (docName !== this.app.id) {
          return fail(LOCERR.appNotFound, 'App not found', String(docName));
        }
        this.docOpen = true;
        return reply(this.docRef());
      }
      case 'GetActiveDoc':
        if (!this.docOpen) return fail(LOCERR.noActiveDoc, 'No active document');
        return reply(this.docRef());
      case 'GetDocList':
        return reply({
          qDocList: this.apps().map((app) => ({
            qDocName: app.name,
            qDocId: app.id,
            qTitle: app.name,
            qConnectedUsers: 0,
            qFileTime: 0,
            qFileSize: 0,
            qLastReloadTime: '2026-11-01T08:00:00.000Z',
            qReadOnly: false,
            qMeta: { description: app.description ?? '' },
            qThumbnail: { qUrl: `/api/v1/apps/${app.id}/media/thumbnail` },
          })),
        });
      case 'GetProgress':
        // Every call completes before its reply is sent, so any request's progress is final.
        return reply({
          qProgressData: {
            qStarted: true,
            qFinished: true,
            qCompleted: 1,
            qTotal: 1,
            qKB: 0,
            qMillisecs: 0,
            qUserInteractionWanted: false,
            qPersistentProgress: '',
            qTransientProgress: '',
            qErrorData: [],
            qPersistentProgressMessages: [],
          },
        });
      case 'EngineVersion':
        return reply({ qVersion: { qComponentVersion: '12.2000.0-emulator' } });
      case 'ProductVersion':
        return reply({ qReturn: '12.2000.0-emulator' });
      case 'IsDesktopMode':
        return reply({ qReturn: false });
      case 'GetAuthenticatedUser':
        return reply({ qReturn: this.user.authenticatedUser });
      default:
        return fail(RPC.noMethod, 'Method not found', method);
    }
  }

  private doc(method: string, param: Param, reply: Reply, fail: Fail): void {
    switch (method) {
      case 'GetAppLayout':
        return reply({
          qLayout: {
            qTitle: this.app.name,
            qFileName: this.app.id,
            qLastReloadTime: '2026-11-01T08:00:00.000Z',
            qHasScript: true,
            qHasData: true,
            qStateNames: [],
            qMeta: { privileges: ['read'] },
            qLocaleInfo: { qDecimalSep: '.', qThousandSep: ',', qCollation: 'en-US' },
          },
        });
      case 'GetAppProperties':
        return reply({
          qProp: { qTitle: this.app.name, description: this.app.description ?? '' },
        });
      case 'GetTablesAndKeys':
        return reply({ qtr: [], qk: [] });
      case 'GetObject': {
        const id = param('qId', 0);
        const object = typeof id === 'string' ? this.objects.find(id) : undefined;
        // The engine answers an unknown id with a null handle, not an error; enigma.js turns
        // that into its OBJECT_NOT_FOUND error and @qlik/api into "Object not found".
        return reply(object ? this.objects.ref(object) : NOT_FOUND);
      }
      case 'CreateSessionObject': {
        const prop = param('qProp', 0);
        if (!isObject(prop)) return fail(RPC.params, 'Invalid parameters', 'qProp');
        const info = isObject(prop.qInfo) ? prop.qInfo : {};
        const qInfo = {
          qId: typeof info.qId === 'string' && info.qId ? info.qId : this.objects.generatedId(),
          qType: typeof info.qType === 'string' ? info.qType : '',
        };
        const object = this.objects.register({ ...structuredClone(prop), qInfo }, true);
        return reply(this.objects.ref(object));
      }
      case 'DestroySessionObject': {
        const id = param('qId', 0);
        const object = typeof id === 'string' ? this.objects.find(id) : undefined;
        if (!object?.session) return reply({ qSuccess: false });
        this.objects.delete(object.handle);
        return reply({ qSuccess: true });
      }
      case 'Evaluate': {
        const expression = param('qExpression', 0);
        if (typeof expression !== 'string') return fail(RPC.params, 'Invalid parameters');
        return reply({ qReturn: this.evaluate(expression).qText });
      }
      case 'EvaluateEx': {
        const expression = param('qExpression', 0);
        if (typeof expression !== 'string') return fail(RPC.params, 'Invalid parameters');
        const value = this.evaluate(expression);
        // JSON has no NaN: the engine writes it as the string "NaN".
        return reply({
          qValue: { ...value, qNumber: Number.isNaN(value.qNumber) ? 'NaN' : value.qNumber },
        });
      }
      default:
        return fail(RPC.noMethod, 'Method not found', method);
    }
  }

  private genericObject(
    object: GenericObject,
    method: string,
    param: Param,
    reply: Reply,
    fail: Fail,
  ): void {
    switch (method) {
      case 'GetLayout':
        return reply({ qLayout: this.objects.layoutOf(object.properties, object.chart) });
      case 'GetHyperCubeData': {
        // Only the stock charts have a hypercube with data (`qPath` `/qHyperCubeDef`).
        if (!object.chart || param('qPath', 0) !== '/qHyperCubeDef') {
          return fail(RPC.params, 'Invalid parameters', 'qPath');
        }
        return reply({ qDataPages: dataPages(object.chart, param('qPages', 1)) });
      }
      case 'GetProperties':
        return reply({ qProp: structuredClone(object.properties) });
      case 'GetEffectiveProperties':
        return reply({ qProp: structuredClone(object.properties) });
      case 'GetInfo':
        return reply({ qInfo: object.properties.qInfo });
      case 'SetProperties': {
        const prop = param('qProp', 0);
        if (!isObject(prop)) return fail(RPC.params, 'Invalid parameters', 'qProp');
        object.properties = { ...structuredClone(prop), qInfo: object.properties.qInfo };
        return reply({});
      }
      default:
        return fail(RPC.noMethod, 'Method not found', method);
    }
  }

  private evaluate(expression: string) {
    return evaluateExpression(expression, {
      documentTitle: this.app.name,
      documentName: this.app.id,
      userName: this.user.userId,
      now: this.now(),
    });
  }
}
