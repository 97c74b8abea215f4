import fc from 'fast-check';
import { customFetch, type AuthorizationServer } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { QlikAuthError } from '../src/index.js';
import { createGrant, TENANT_TIME, type TokenResponse } from '../src/token-endpoint.js';
import type { Transport } from '../src/transport.js';

const metadata: AuthorizationServer = {
  issuer: 'https://tenant.example',
  token_endpoint: 'https://tenant.example/oauth/token',
};

/** Makes a refresh through the real grant path, with `answer` as the token endpoint's response. */
function refreshAnsweredWith(answer: Response): Promise<TokenResponse> {
  const transport = { [customFetch]: () => Promise.resolve(answer) } as unknown as Transport;
  const grant = createGrant(
    () => Promise.resolve(metadata),
    { client_id: 'client' },
    transport,
    Date.now,
    { until: 0 },
  );
  return grant('refresh_token', { refresh_token: 'the-refresh-token' });
}

/** What the refresh rejected with; fails the test when it resolved. */
async function failureOf(answer: Response): Promise<QlikAuthError> {
  const error: unknown = await refreshAnsweredWith(answer).then(
    () => expect.unreachable('the response was accepted'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(QlikAuthError);
  return error as QlikAuthError;
}

const valid = {
  access_token: 'the-access-token',
  token_type: 'bearer',
  expires_in: 3600,
  refresh_token: 'the-new-refresh-token',
  scope: 'user_default offline_access',
};

const html = (status: number) =>
  new Response('<!doctype html><title>Bad gateway</title>', {
    status,
    headers: { 'content-type': 'text/html' },
  });

describe('a token response (RFC 6749 section 5.1)', () => {
  it('is returned with its fields, and the tenant time from a readable Date header', async () => {
    const date = 'Tue, 01 Jan 2030 00:00:00 GMT';
    const body = await refreshAnsweredWith(Response.json(valid, { headers: { date } }));
    expect(body).toMatchObject(valid);
    expect(body[TENANT_TIME]).toBe(Date.parse(date));
  });

  it('keeps Qlik Cloud expires_at, and needs no expires_in or refresh_token', async () => {
    const body = await refreshAnsweredWith(
      Response.json({
        access_token: 'a',
        token_type: 'bearer',
        expires_at: '2030-01-01T01:00:00Z',
      }),
    );
    expect(body).toMatchObject({ access_token: 'a', expires_at: '2030-01-01T01:00:00Z' });
    expect(body.refresh_token).toBeUndefined();
    expect(body[TENANT_TIME]).toBeNaN();
  });

  it('takes the token type case-insensitively (RFC 6749 section 7.1)', async () => {
    const body = await refreshAnsweredWith(Response.json({ ...valid, token_type: 'Bearer' }));
    expect(body.token_type).toBe('bearer');
  });

  it('ignores an id_token: OAuth, not OpenID Connect, so it is never read nor kept', async () => {
    const body = await refreshAnsweredWith(Response.json({ ...valid, id_token: 'not.a.jwt' }));
    expect(body).not.toHaveProperty('id_token');
    expect(body.access_token).toBe(valid.access_token);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'body'],
    ['a number', 42, 'body'],
    ['a string', 'the-access-token', 'body'],
    ['an array', [valid], 'body'],
    ['no access_token', { ...valid, access_token: undefined }, 'access_token'],
    ['an empty access_token', { ...valid, access_token: '' }, 'access_token'],
    ['a numeric access_token', { ...valid, access_token: 12345 }, 'access_token'],
    ['no token_type', { ...valid, token_type: undefined }, 'token_type'],
    ['a mac token_type', { ...valid, token_type: 'mac' }, 'token_type'],
    ['a DPoP token_type (never asked for)', { ...valid, token_type: 'DPoP' }, 'token_type'],
    ['a token_type object', { ...valid, token_type: { bearer: true } }, 'token_type'],
    ['a string expires_in', { ...valid, expires_in: '3600' }, 'expires_in'],
    ['a negative expires_in', { ...valid, expires_in: -1 }, 'expires_in'],
    ['a null expires_in', { ...valid, expires_in: null }, 'expires_in'],
    ['a numeric refresh_token', { ...valid, refresh_token: 7 }, 'refresh_token'],
    ['a null refresh_token', { ...valid, refresh_token: null }, 'refresh_token'],
    ['a scope array', { ...valid, scope: ['user_default'] }, 'scope'],
  ])('with %s is an invalid_response that quotes no token', async (_label, body, field) => {
    const error = await failureOf(Response.json(body));
    expect(error).toMatchObject({ code: 'invalid_response', retryable: false });
    expect(error.message).toBe(`invalid ${field} in the token response`);
    const dump = JSON.stringify({ error, message: error.message, cause: error.cause });
    expect(dump).not.toMatch(/the-access-token|the-new-refresh-token/);
  });

  it.each<[string, Response]>([
    ['an HTML page (a captive portal)', html(200)],
    ['an empty body', new Response('', { headers: { 'content-type': 'application/json' } })],
    ['a cut-off body', new Response('{"access_token":"the-acc', { status: 200 })],
  ])('that is %s, at 200, is an invalid_response with the status', async (_label, answer) => {
    expect(await failureOf(answer)).toMatchObject({
      code: 'invalid_response',
      retryable: false,
      status: 200,
    });
  });
});

describe('a token endpoint error (RFC 6749 section 5.2, and Qlik Cloud errors)', () => {
  const qlikErrors = [
    {
      code: 'OAUTH-1',
      title: 'invalid grant',
      detail: 'the refresh token has been revoked',
      status: '401',
      meta: { error: 'invalid_grant' },
    },
  ];

  it('reads an RFC 6749 error body', async () => {
    const answer = Response.json(
      { error: 'invalid_grant', error_description: 'expired' },
      { status: 400 },
    );
    expect(await failureOf(answer)).toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      status: 400,
      error: 'invalid_grant',
      message: 'expired',
    });
  });

  it('reads a Qlik errors body, the RFC 6749 name from its meta', async () => {
    const error = await failureOf(Response.json({ errors: qlikErrors }, { status: 401 }));
    expect(error).toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      status: 401,
      error: 'invalid_grant',
      message: 'the refresh token has been revoked',
      qlikErrors,
    });
  });

  it('reads a Qlik errors body with no RFC 6749 name, and keeps its traceId', async () => {
    // Qlik Cloud's own answer, as quoted in qlik-oss/nebula.js#1450: no `meta`, a `traceId`.
    const body = {
      errors: [
        {
          title: 'Invalid client_id',
          detail: 'OAuth client is not authorized',
          code: 'OAUTH-14',
          status: '400',
        },
      ],
      traceId: '0000000000000000d3a2403ffa24786d',
    };
    const error = await failureOf(Response.json(body, { status: 400 }));
    expect(error).toMatchObject({
      code: 'request_rejected',
      retryable: false,
      status: 400,
      message: 'OAuth client is not authorized',
      qlikErrors: body.errors,
      traceId: '0000000000000000d3a2403ffa24786d',
    });
    expect(error).not.toHaveProperty('error');
    // A traceId that is not a string is not kept.
    const odd = await failureOf(Response.json({ ...body, traceId: 42 }, { status: 400 }));
    expect(odd).not.toHaveProperty('traceId');
    expect(odd.qlikErrors).toEqual(body.errors);
  });

  it('reads the body of a 401 with a WWW-Authenticate challenge', async () => {
    const answer = Response.json(
      { errors: [{ code: 'OAUTH-3', title: 'no client', meta: { error: 'invalid_client' } }] },
      { status: 401, headers: { 'www-authenticate': 'Basic realm="tenant"' } },
    );
    expect(await failureOf(answer)).toMatchObject({
      code: 'request_rejected',
      status: 401,
      error: 'invalid_client',
      message: 'no client',
    });
  });

  it('says request_rejected for any other 4xx, whatever its body', async () => {
    expect(await failureOf(html(403))).toMatchObject({
      code: 'request_rejected',
      retryable: false,
      status: 403,
    });
  });

  it.each([500, 502, 503, 429])('says a retryable server_error for %i', async (status) => {
    expect(await failureOf(html(status))).toMatchObject({
      code: 'server_error',
      retryable: true,
      status,
    });
    const qlik = Response.json({ errors: [{ code: 'HTTP-500', title: 'Oops' }] }, { status });
    expect(await failureOf(qlik)).toMatchObject({
      code: 'server_error',
      retryable: true,
      status,
      qlikErrors: [{ code: 'HTTP-500', title: 'Oops' }],
    });
  });

  it('says invalid_response for another 2xx or a 3xx', async () => {
    expect(await failureOf(Response.json(valid, { status: 201 }))).toMatchObject({
      code: 'invalid_response',
      status: 201,
    });
    expect(await failureOf(new Response(null, { status: 302 }))).toMatchObject({
      code: 'invalid_response',
      status: 302,
    });
  });
});

describe('any answer of the token endpoint', () => {
  /** Values each field may take: mostly well-formed, sometimes anything JSON can carry. */
  const sometimes = <T>(good: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: fc.jsonValue(), weight: 1 });
  const tokenish = fc.record(
    {
      access_token: sometimes(fc.string()),
      token_type: sometimes(fc.constantFrom('bearer', 'Bearer', 'BEARER', 'mac', 'DPoP')),
      expires_in: sometimes(fc.integer({ min: -10, max: 86_400 })),
      expires_at: sometimes(fc.date().map((d) => d.toJSON())),
      refresh_token: sometimes(fc.string()),
      scope: sometimes(fc.string()),
      id_token: sometimes(fc.string()),
      error: sometimes(fc.constantFrom('invalid_grant', 'invalid_client', 'access_denied')),
      errors: sometimes(
        fc.array(fc.record({ code: fc.string(), title: fc.string(), meta: fc.jsonValue() })),
      ),
    },
    { requiredKeys: [] },
  );
  const answer = fc
    .tuple(
      fc.constantFrom(200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 503),
      fc.oneof(
        tokenish.map((body) => JSON.stringify(body)),
        fc.jsonValue().map((body) => JSON.stringify(body)),
        fc.string(),
      ),
    )
    .map(([status, text]) => ({ status, text }));

  it('yields a well-formed token response or a typed QlikAuthError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ status, text }) => {
        const response = new Response(text, {
          status,
          headers: { 'content-type': 'application/json' },
        });
        let body: TokenResponse;
        try {
          body = await refreshAnsweredWith(response);
        } catch (error) {
          expect(error).toBeInstanceOf(QlikAuthError);
          const { code, retryable } = error as QlikAuthError;
          expect([
            'invalid_response',
            'invalid_grant',
            'request_rejected',
            'server_error',
          ]).toContain(code);
          expect(retryable).toBe(code === 'server_error');
          return;
        }
        expect(status).toBe(200);
        expect(typeof body.access_token).toBe('string');
        expect(body.access_token).not.toBe('');
        expect(body.token_type).toBe('bearer');
        if (body.expires_in !== undefined) expect(body.expires_in).toBeGreaterThanOrEqual(0);
        expect(['undefined', 'string']).toContain(typeof body.refresh_token);
        expect(['undefined', 'string']).toContain(typeof body.scope);
        expect(body).not.toHaveProperty('id_token');
      }),
      { numRuns: 300 },
    );
  });
});
