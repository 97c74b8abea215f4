import { QlikAuthError, type QlikErrorEntry } from './errors.js';

/** The parts of oauth4webapi's errors (and of a thrown Response) that say what went wrong. */
interface ProtocolFailure {
  message?: string;
  cause?: unknown;
  response?: Response;
  error?: string;
  error_description?: string;
}

/**
 * Turns whatever a protocol step threw into a {@link QlikAuthError}. oauth4webapi parses RFC 6749
 * section 5.2 bodies (`{ error }`) into `ResponseBodyError`; Qlik's `{ errors: [...] }` bodies
 * are not RFC 6749, so they arrive as an `OperationProcessingError` whose cause is the unread
 * `Response`, and are read here. `meta.error` in Qlik's entries carries the RFC 6749 name. The
 * token endpoint's own check (`checkTokenResponse`) hands over every non-200 answer the same
 * way, as an error whose cause is the unread `Response`.
 */
export async function classifyError(thrown: unknown): Promise<QlikAuthError> {
  if (thrown instanceof QlikAuthError) return thrown;
  const failure = (thrown ?? {}) as ProtocolFailure;
  // oauth4webapi checks for a Response like this too: `instanceof` fails across realms.
  const response =
    failure.response ??
    (Object.prototype.toString.call(failure.cause) === '[object Response]'
      ? (failure.cause as Response)
      : undefined);
  if (!response) {
    // Malformed JSON, a missing access_token, a wrong token_type, an issuer mismatch, ... No
    // `cause`: oauth4webapi attaches the parsed body, which may hold the very tokens we protect.
    return new QlikAuthError('invalid_response', failure.message ?? String(thrown));
  }
  const { status } = response;
  let error = failure.error;
  let description = failure.error_description;
  let qlikErrors: QlikErrorEntry[] | undefined;
  let traceId: unknown;
  try {
    const body = (await response.json()) as {
      errors?: QlikErrorEntry[];
      traceId?: unknown;
      error?: string;
      error_description?: string;
    };
    if (Array.isArray(body?.errors)) ({ errors: qlikErrors, traceId } = body);
    const named = qlikErrors?.[0]?.meta?.error;
    error ??= body?.error ?? (typeof named === 'string' ? named : undefined);
    description ??= body?.error_description ?? qlikErrors?.[0]?.detail ?? qlikErrors?.[0]?.title;
  } catch {
    // Not JSON (an HTML error page), already read, or cut off: the status still classifies it.
  }
  const code =
    status >= 500 || status === 429
      ? 'server_error'
      : status < 400
        ? 'invalid_response'
        : error === 'invalid_grant'
          ? 'invalid_grant'
          : 'request_rejected';
  // Qlik Cloud's rate limits answer 429 with `Retry-After` (seconds) and say the same seconds in
  // the body (qlik.dev, "Rate limiting"). The header is not CORS-safelisted: a page reads it only
  // where the tenant exposes it, so the body's "wait N seconds" stands in. An HTTP-date reads as
  // NaN, and is left out with anything else that is not a number of seconds.
  const retryAfter = Number(
    response.headers.get('retry-after') ?? /(\d+) seconds?/.exec(description!)?.[1],
  );
  return new QlikAuthError(code, description ?? failure.message ?? `HTTP ${status}`, {
    retryable: code === 'server_error',
    status,
    ...(code === 'server_error' && retryAfter >= 0 && { retryAfter }),
    ...(qlikErrors && { qlikErrors }),
    ...(typeof traceId === 'string' && { traceId }),
    ...(error && { error }),
    cause: thrown,
  });
}
