import { apiError } from '../http/errors.js';

/** One line of the request log. Never holds a token: paths only, no query strings or bodies. */
export interface RequestLogEntry {
  /** Sequence number, from 1. */
  id: number;
  /** When the request arrived (ISO 8601, by the tenant's clock). */
  time: string;
  /** HTTP method. */
  method: string;
  /** Path, without the query string. */
  path: string;
  /**
   * The response's status: absent while the request is still being answered, or when a `drop`
   * fault cut it off before it was processed. Under a `dropAfter` fault, the status of the answer
   * the tenant made and then dropped.
   */
  status?: number;
  /** How long the answer took, in milliseconds. */
  durationMs?: number;
  /** The `grant_type` of a token request. */
  grantType?: string;
  /** The client a token request named. */
  clientId?: string;
  /** The `purpose` of a token exchange. */
  purpose?: string;
  /** The request's `Origin` header. */
  origin?: string;
  /**
   * How the request presented a token (never the token itself): `bearer` for an
   * `Authorization: Bearer` header, `websocket` or `webresource` for an `accessToken` query
   * parameter on the engine socket or a web resource.
   */
  credential?: 'bearer' | 'websocket' | 'webresource';
  /** The fault applied to this request, if any. */
  fault?: 'status' | 'delay' | 'drop' | 'dropAfter';
  /** The error code the response carried. */
  error?: string;
  /** A rotated-out refresh token was presented and its family revoked. */
  reuseDetected?: boolean;
  /**
   * The `Retry-After` seconds of a 429: the tenant's rate limit (`error` is `HTTP-429`), or a
   * status fault with `retryAfter`.
   */
  retryAfter?: number;
}

/** A fault injected on a path by the control API. */
export interface Fault {
  /** Given by the tenant when the fault is added. */
  id: string;
  /** Exact path, or a prefix ending in `*`. */
  path: string;
  /** Only requests with this method (any method when absent). */
  method?: string;
  /** Answer with this final status, 200 to 599 (and `body`, default the Qlik errors body). */
  status?: number;
  /**
   * The body of a `status` fault: a string is sent as `text/plain`, anything else as JSON. A 429
   * fault with `retryAfter` and no body gets Qlik's rate limit body (`HTTP-429`, "API rate limit
   * reached.", the seconds in `detail`).
   */
  body?: unknown;
  /**
   * With `status`: the `Retry-After` header of the answer, in whole seconds (0 to 86,400), as
   * Qlik Cloud sends it with a 429 (https://qlik.dev/apis/rest/rate-limiting). Exposed to a
   * page cross-origin only when the tenant's `exposeRetryAfter` is on.
   */
  retryAfter?: number;
  /** Wait this long first; alone, the request then proceeds normally. */
  delayMs?: number;
  /** Destroy the connection without a response, before the request is processed. */
  drop?: boolean;
  /**
   * Process the request (a token request rotates, a revocation revokes), then destroy the
   * connection instead of sending the answer: the client never learns what happened.
   */
  dropAfter?: boolean;
  /** Apply to the next N matching requests only. */
  times?: number;
  /** Apply to this fraction (0..1) of matching requests. */
  probability?: number;
  /** How many requests it has hit so far. */
  hits: number;
}

let faultSeq = 0;

/** Checks and normalises a fault description from the control API. */
export function parseFault(input: unknown): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw apiError(400, 'EMULATOR-1', 'Invalid fault', 'a fault is a JSON object');
  }
  const raw = input as Record<string, unknown>;
  const bad = (detail: string) => apiError(400, 'EMULATOR-1', 'Invalid fault', detail);
  if (typeof raw.path !== 'string' || !raw.path.startsWith('/'))
    throw bad('path must start with /');
  if (raw.method !== undefined && typeof raw.method !== 'string')
    throw bad('method must be a string');
  if (
    raw.status !== undefined &&
    !(
      Number.isInteger(raw.status) &&
      // 1xx are interim responses, not answers: a fault cannot end a request with one.
      (raw.status as number) >= 200 &&
      (raw.status as number) <= 599
    )
  ) {
    throw bad('status must be a final HTTP status (200 to 599)');
  }
  if (
    raw.delayMs !== undefined &&
    !(typeof raw.delayMs === 'number' && raw.delayMs >= 0 && raw.delayMs <= 120_000)
  ) {
    throw bad('delayMs must be 0 to 120000');
  }
  if (raw.retryAfter !== undefined) {
    if (raw.status === undefined) throw bad('retryAfter needs a status');
    if (!(
      Number.isInteger(raw.retryAfter) &&
      (raw.retryAfter as number) >= 0 &&
      (raw.retryAfter as number) <= 86_400
    )) {
      throw bad('retryAfter must be a whole number of seconds from 0 to 86400');
    }
  }
  if (raw.drop !== undefined && typeof raw.drop !== 'boolean') throw bad('drop must be a boolean');
  if (raw.dropAfter !== undefined && typeof raw.dropAfter !== 'boolean') {
    throw bad('dropAfter must be a boolean');
  }
  // An answer that is never made cannot be dropped afterwards.
  if (raw.dropAfter && (raw.drop || raw.status !== undefined)) {
    throw bad('dropAfter cannot be combined with drop or status');
  }
  if (raw.times !== undefined && !(Number.isInteger(raw.times) && (raw.times as number) > 0)) {
    throw bad('times must be a positive integer');
  }
  if (
    raw.probability !== undefined &&
    !(typeof raw.probability === 'number' && raw.probability >= 0 && raw.probability <= 1)
  ) {
    throw bad('probability must be between 0 and 1');
  }
  if (raw.status === undefined && raw.delayMs === undefined && !raw.drop && !raw.dropAfter) {
    throw bad('a fault needs a status, a delayMs, drop or dropAfter');
  }
  faultSeq += 1;
  return {
    id: `fault-${faultSeq}`,
    path: raw.path,
    ...(raw.method ? { method: (raw.method as string).toUpperCase() } : {}),
    ...(raw.status !== undefined ? { status: raw.status as number } : {}),
    ...(raw.body !== undefined ? { body: raw.body } : {}),
    ...(raw.retryAfter !== undefined ? { retryAfter: raw.retryAfter as number } : {}),
    ...(raw.delayMs !== undefined ? { delayMs: raw.delayMs as number } : {}),
    ...(raw.drop ? { drop: true } : {}),
    ...(raw.dropAfter ? { dropAfter: true } : {}),
    ...(raw.times !== undefined ? { times: raw.times as number } : {}),
    ...(raw.probability !== undefined ? { probability: raw.probability as number } : {}),
    hits: 0,
  };
}

/** The request log and the faults: what the control API reads and writes. */
export class Control {
  readonly log: RequestLogEntry[] = [];
  faults: Fault[] = [];
  private seq = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  record(method: string, path: string, origin: string | undefined): RequestLogEntry {
    this.seq += 1;
    const entry: RequestLogEntry = {
      id: this.seq,
      time: new Date(this.now()).toISOString(),
      method,
      path,
      ...(origin ? { origin } : {}),
    };
    this.log.push(entry);
    if (this.log.length > this.maxEntries) this.log.splice(0, this.log.length - this.maxEntries);
    return entry;
  }

  /** The fault to apply to this request, if one matches and its count or chance allows. */
  match(method: string, path: string, random: () => number = Math.random): Fault | undefined {
    for (const fault of this.faults) {
      const pathMatches = fault.path.endsWith('*')
        ? path.startsWith(fault.path.slice(0, -1))
        : path === fault.path;
      if (!pathMatches || (fault.method && fault.method !== method)) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      if (fault.probability !== undefined && random() >= fault.probability) continue;
      fault.hits += 1;
      return fault;
    }
    return undefined;
  }

  reset(): void {
    this.log.length = 0;
    this.faults = [];
  }
}
