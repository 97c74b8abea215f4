import { beforeEach, describe, expect, it } from 'vitest';
import {
  fetch,
  ADA,
  ALAN,
  CLIENT_ID,
  REDIRECT_URI,
  authorizeParams,
  authorizeUrl,
  controlOk,
  expectError,
  getAuthorize,
  getCode,
  getMe,
  json,
  pkce,
  postLogin,
  redeem,
  redirectTarget,
  sessionCookieOf,
  signIn,
  emulatorPerTest,
  start,
  transactionOf,
  type ManualClock,
  type RunningEmulator,
  type TokenBody,
} from './helpers.js';

let emulator: RunningEmulator;
let clock: ManualClock;
let base: string;

emulatorPerTest(undefined, (started) => ({ emulator, clock, base } = started));

/** An authorization request with every required parameter, then `overrides`. */
function params(overrides: Record<string, string | undefined> = {}) {
  return authorizeParams(pkce().challenge, overrides);
}

/** Asserts a 4.1.2.1 error redirect back to the client, and returns its parameters. */
function expectErrorRedirect(res: Response, error: string, state: string | undefined) {
  const target = redirectTarget(res);
  expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI);
  const query = target.searchParams;
  expect(query.get('error')).toBe(error);
  expect(query.get('error_description')).toBeTruthy();
  expect(query.get('error_code')).toMatch(/^EMULATOR-[A-Z_]+$/);
  expect(query.get('error_detail')).toBeTruthy();
  expect(query.get('code')).toBeNull();
  if (state === undefined) expect(query.has('state')).toBe(false);
  else expect(query.get('state')).toBe(state);
  return query;
}

async function whoAmI(accessToken: string): Promise<string> {
  const res = await getMe(base, accessToken);
  expect(res.status).toBe(200);
  return (await json<{ id: string }>(res)).id;
}

describe('GET /oauth/authorize: requests it cannot redirect back from', () => {
  it('answers an unknown client_id with 400 and Qlik\'s OAUTH-14 "Invalid client_id" body with a traceId, never a redirect', async () => {
    const res = await getAuthorize(base, params({ client_id: 'no-such-client' }));
    expect(res.headers.get('location')).toBeNull();
    const body = (await res.clone().json()) as { traceId?: string };
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    const entry = await expectError(res, 400, 'OAUTH-14');
    expect(entry.title).toBe('Invalid client_id');
  });

  it('answers a missing client_id with 400 and the errors body', async () => {
    const res = await getAuthorize(base, params({ client_id: undefined }));
    expect(res.headers.get('location')).toBeNull();
    await expectError(res, 400, 'OAUTH-14');
  });

  it('answers an unregistered redirect_uri with 400, never redirecting there', async () => {
    const res = await getAuthorize(base, params({ redirect_uri: 'https://attacker.example/cb' }));
    expect(res.headers.get('location')).toBeNull();
    const entry = await expectError(res, 400, 'EMULATOR-INVALID_REQUEST');
    expect(entry.detail).toMatch(/redirect_uri/);
  });

  it('answers a missing or malformed redirect_uri with 400', async () => {
    await expectError(await getAuthorize(base, params({ redirect_uri: undefined })), 400);
    await expectError(await getAuthorize(base, params({ redirect_uri: 'http://[' })), 400);
  });

  it('answers a repeated client_id with 400, since it cannot tell which client asks', async () => {
    const url = `${authorizeUrl(base, params())}&client_id=${CLIENT_ID}`;
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.headers.get('location')).toBeNull();
    await expectError(res, 400);
  });
});

describe('GET /oauth/authorize: errors redirect per RFC 6749 4.1.2.1', () => {
  it('redirects invalid_request without state when state is missing', async () => {
    const res = await getAuthorize(base, params({ state: undefined }));
    expectErrorRedirect(res, 'invalid_request', undefined);
  });

  it('redirects unsupported_response_type for a response_type other than code', async () => {
    const res = await getAuthorize(base, params({ response_type: 'token', state: 's1' }));
    const query = expectErrorRedirect(res, 'unsupported_response_type', 's1');
    expect(query.get('error_code')).toBe('EMULATOR-UNSUPPORTED_RESPONSE_TYPE');
  });

  it('redirects unsupported_response_type when response_type is missing', async () => {
    const res = await getAuthorize(base, params({ response_type: undefined, state: 's2' }));
    expectErrorRedirect(res, 'unsupported_response_type', 's2');
  });

  it('redirects invalid_request for the plain code_challenge_method (S256 only)', async () => {
    const res = await getAuthorize(base, params({ code_challenge_method: 'plain', state: 's3' }));
    const query = expectErrorRedirect(res, 'invalid_request', 's3');
    expect(query.get('error_code')).toBe('EMULATOR-INVALID_REQUEST');
    expect(query.get('error_detail')).toMatch(/S256/);
  });

  it('redirects invalid_request when code_challenge_method is missing', async () => {
    const res = await getAuthorize(base, params({ code_challenge_method: undefined, state: 's4' }));
    expectErrorRedirect(res, 'invalid_request', 's4');
  });

  it('redirects invalid_request when code_challenge is missing or not a SHA-256 digest', async () => {
    const missing = await getAuthorize(base, params({ code_challenge: undefined, state: 's5' }));
    expectErrorRedirect(missing, 'invalid_request', 's5');
    const short = await getAuthorize(base, params({ code_challenge: 'abc', state: 's6' }));
    expectErrorRedirect(short, 'invalid_request', 's6');
  });

  it('redirects invalid_scope for a scope the client may not request', async () => {
    const res = await getAuthorize(
      base,
      params({ scope: 'user_default apps:everything', state: 's7' }),
    );
    const query = expectErrorRedirect(res, 'invalid_scope', 's7');
    expect(query.get('error_code')).toBe('EMULATOR-INVALID_SCOPE');
    expect(query.get('error_detail')).toMatch(/apps:everything/);
  });

  it('redirects invalid_request when scope is missing or blank', async () => {
    expectErrorRedirect(
      await getAuthorize(base, params({ scope: undefined, state: 's8' })),
      'invalid_request',
      's8',
    );
    expectErrorRedirect(
      await getAuthorize(base, params({ scope: '   ', state: 's9' })),
      'invalid_request',
      's9',
    );
  });

  it('redirects invalid_request for a prompt other than none or login', async () => {
    const res = await getAuthorize(base, params({ prompt: 'select_account', state: 's10' }));
    expectErrorRedirect(res, 'invalid_request', 's10');
  });

  it('redirects invalid_request for a max_age that is not a non-negative number', async () => {
    expectErrorRedirect(
      await getAuthorize(base, params({ max_age: 'soon', state: 's11' })),
      'invalid_request',
      's11',
    );
    expectErrorRedirect(
      await getAuthorize(base, params({ max_age: '-5', state: 's12' })),
      'invalid_request',
      's12',
    );
  });

  it('redirects invalid_request for a repeated parameter once the client is known', async () => {
    const url = `${authorizeUrl(base, params({ state: 's13' }))}&scope=user_default`;
    const res = await fetch(url, { redirect: 'manual' });
    const query = expectErrorRedirect(res, 'invalid_request', 's13');
    expect(query.get('error_detail')).toMatch(/scope/);
  });

  it('leaves state out of the error redirect when state itself is repeated', async () => {
    const url = `${authorizeUrl(base, params({ state: 'one' }))}&state=two`;
    const res = await fetch(url, { redirect: 'manual' });
    expectErrorRedirect(res, 'invalid_request', undefined);
  });

  it('refuses methods other than GET with 405', async () => {
    await expectError(
      await fetch(authorizeUrl(base, params()), { method: 'POST', redirect: 'manual' }),
      405,
    );
  });
});

describe('the login page', () => {
  it('is a plain HTML form listing the users, the client and the requested scopes', async () => {
    const res = await getAuthorize(base, params());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/oauth/authorize/login">');
    expect(html).toContain(`value="${ADA.id}"`);
    expect(html).toContain(`value="${ALAN.id}"`);
    expect(html).toContain('name="typed"');
    expect(html).toContain(CLIENT_ID);
    expect(html).toContain('<code>offline_access</code>');
    expect(html).not.toContain('<script');
    transactionOf(html);
  });

  it('does not offer disabled users', async () => {
    await controlOk(base, 'POST', `/users/${ALAN.id}/disable`);
    const html = await (await getAuthorize(base, params())).text();
    expect(html).toContain(`value="${ADA.id}"`);
    expect(html).not.toContain(`value="${ALAN.id}"`);
  });

  it('signs the picked user in, sets an HttpOnly session cookie and redirects with code and state', async () => {
    const request = params({ state: 'xyz' });
    const html = await (await getAuthorize(base, request)).text();
    const res = await postLogin(base, {
      transaction: transactionOf(html),
      user: ALAN.id,
      action: 'allow',
    });
    const target = redirectTarget(res);
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI);
    expect(target.searchParams.get('state')).toBe('xyz');
    expect(target.searchParams.get('code')).toBeTruthy();
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/qlik_emulator_session=[^;]+;.*HttpOnly/);
  });

  it('redirects access_denied with state when the user denies', async () => {
    const request = params({ state: 'deny-me' });
    const html = await (await getAuthorize(base, request)).text();
    const res = await postLogin(base, { transaction: transactionOf(html), action: 'deny' });
    const query = expectErrorRedirect(res, 'access_denied', 'deny-me');
    expect(query.get('error_code')).toBe('EMULATOR-ACCESS_DENIED');
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('accepts a typed email of a known user', async () => {
    const html = await (await getAuthorize(base, params())).text();
    const res = await postLogin(base, {
      transaction: transactionOf(html),
      typed: ALAN.email,
      action: 'allow',
    });
    expect(redirectTarget(res).searchParams.get('code')).toBeTruthy();
  });

  it('signs a typed unknown email in as a new user', async () => {
    const { verifier, challenge } = pkce();
    const html = await (await getAuthorize(base, authorizeParams(challenge))).text();
    const res = await postLogin(base, {
      transaction: transactionOf(html),
      typed: 'grace@example.com',
      action: 'allow',
    });
    const code = redirectTarget(res).searchParams.get('code')!;
    const tokens = await json<TokenBody>(
      await redeem(base, { code, verifier, redirectUri: REDIRECT_URI }),
    );
    const me = await json<{ email: string; name: string }>(await getMe(base, tokens.access_token));
    expect(me.email).toBe('grace@example.com');
    expect(me.name).toBe('grace');
  });

  it('shows the page again with a message for a typed value that is not an email', async () => {
    const html = await (await getAuthorize(base, params())).text();
    const transaction = transactionOf(html);
    const res = await postLogin(base, { transaction, typed: 'not an email', action: 'allow' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('role="alert"');
    expect(transactionOf(page)).toBe(transaction);
  });

  it('shows the page again when no user was picked', async () => {
    const html = await (await getAuthorize(base, params())).text();
    const res = await postLogin(base, { transaction: transactionOf(html), action: 'allow' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Pick a user');
  });

  it('redirects access_denied when a disabled user is submitted', async () => {
    await controlOk(base, 'POST', `/users/${ALAN.id}/disable`);
    const request = params({ state: 'disabled' });
    const html = await (await getAuthorize(base, request)).text();
    const res = await postLogin(base, {
      transaction: transactionOf(html),
      user: ALAN.id,
      action: 'allow',
    });
    expectErrorRedirect(res, 'access_denied', 'disabled');
  });

  it('refuses an unknown transaction with 400 and the errors body', async () => {
    await expectError(
      await postLogin(base, { transaction: 'forged', user: ADA.id }),
      400,
      'EMULATOR-INVALID_REQUEST',
    );
    await expectError(await postLogin(base, { user: ADA.id }), 400, 'EMULATOR-INVALID_REQUEST');
  });

  it('uses each transaction once', async () => {
    const html = await (await getAuthorize(base, params())).text();
    const transaction = transactionOf(html);
    expect((await postLogin(base, { transaction, user: ADA.id, action: 'allow' })).status).toBe(
      302,
    );
    await expectError(await postLogin(base, { transaction, user: ADA.id, action: 'allow' }), 400);
  });

  it('keeps at most 1000 waiting transactions: the oldest gives way, so memory stays bounded', async () => {
    const first = transactionOf(await (await getAuthorize(base, params())).text());
    let newest = '';
    for (let i = 0; i < 1000; i += 1) {
      newest = transactionOf(await (await getAuthorize(base, params())).text());
    }
    await expectError(
      await postLogin(base, { transaction: first, user: ADA.id, action: 'allow' }),
      400,
    );
    expect(
      (await postLogin(base, { transaction: newest, user: ADA.id, action: 'allow' })).status,
    ).toBe(302);
  }, 60_000);

  it('refuses a transaction older than ten minutes', async () => {
    const html = await (await getAuthorize(base, params())).text();
    clock.advance(10 * 60 + 1);
    await expectError(
      await postLogin(base, { transaction: transactionOf(html), user: ADA.id, action: 'allow' }),
      400,
    );
  });
});

describe('sessions, prompt, login_hint and max_age', () => {
  it('signs a returning user in silently with the session cookie', async () => {
    const first = await getCode(base);
    expect(first.sawLoginPage).toBe(true);
    const second = await getCode(base, { cookie: first.cookie! });
    expect(second.sawLoginPage).toBe(false);
  });

  it('prompt=none without a session redirects login_required', async () => {
    const res = await getAuthorize(base, params({ prompt: 'none', state: 'silent' }));
    const query = expectErrorRedirect(res, 'login_required', 'silent');
    expect(query.get('error_code')).toBe('EMULATOR-LOGIN_REQUIRED');
  });

  it('prompt=none with the session cookie issues a code without a page', async () => {
    const { cookie } = await getCode(base);
    const result = await getCode(base, { cookie: cookie!, extra: { prompt: 'none' } });
    expect(result.sawLoginPage).toBe(false);
    const tokens = await json<TokenBody>(await redeem(base, result));
    expect(await whoAmI(tokens.access_token)).toBe(ADA.id);
  });

  it('prompt=none with a session for another user than login_hint redirects login_required', async () => {
    const { cookie } = await getCode(base, { user: ADA.id });
    const res = await getAuthorize(
      base,
      params({ prompt: 'none', login_hint: ALAN.email, state: 'hint' }),
      cookie,
    );
    expectErrorRedirect(res, 'login_required', 'hint');
  });

  it('prompt=none for a client the user never consented to redirects consent_required', async () => {
    await emulator.close();
    emulator = await start({
      now: clock.now,
      config: {
        clients: [
          { clientId: CLIENT_ID, redirectUris: [REDIRECT_URI] },
          { clientId: 'second-spa', redirectUris: ['http://localhost:4173/'] },
        ],
      },
    });
    base = emulator.url;
    const { cookie } = await getCode(base);
    const res = await getAuthorize(
      base,
      params({
        client_id: 'second-spa',
        redirect_uri: 'http://localhost:4173/',
        prompt: 'none',
        state: 'c',
      }),
      cookie,
    );
    const target = redirectTarget(res);
    expect(target.origin).toBe('http://localhost:4173');
    expect(target.searchParams.get('error')).toBe('consent_required');
    expect(target.searchParams.get('error_code')).toBe('EMULATOR-CONSENT_REQUIRED');
    expect(target.searchParams.get('state')).toBe('c');
  });

  it('prompt=login shows the login page even with a session, and the new sign-in wins', async () => {
    const first = await getCode(base, { user: ADA.id });
    const res = await getAuthorize(base, params({ prompt: 'login' }), first.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Choose a user');
    const login = await postLogin(
      base,
      { transaction: transactionOf(html), user: ADA.id, action: 'allow' },
      first.cookie,
    );
    expect(redirectTarget(login).searchParams.get('code')).toBeTruthy();
    const renewed = sessionCookieOf(login);
    expect(renewed).toBeTruthy();
    expect(renewed).not.toBe(first.cookie);
  });

  it('refuses prompt=consent with an invalid_request redirect: Qlik takes none or login only', async () => {
    const { cookie } = await getCode(base, { user: ALAN.id });
    const res = await getAuthorize(base, params({ prompt: 'consent', state: 'pc' }), cookie);
    expectErrorRedirect(res, 'invalid_request', 'pc');
  });

  it('asks a signed-in user to consent to a client they never consented to, without a user picker', async () => {
    await emulator.close();
    emulator = await start({
      now: clock.now,
      config: {
        clients: [
          { clientId: CLIENT_ID, appType: 'native', redirectUris: [REDIRECT_URI] },
          { clientId: 'second-spa', redirectUris: ['http://localhost:4173/'] },
        ],
      },
    });
    base = emulator.url;
    const first = await getCode(base, { user: ALAN.id });
    const { verifier, challenge } = pkce();
    const second = { client_id: 'second-spa', redirect_uri: 'http://localhost:4173/' };
    const res = await getAuthorize(base, authorizeParams(challenge, second), first.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Signed in as');
    expect(html).not.toContain('Choose a user');
    const consent = await postLogin(
      base,
      { transaction: transactionOf(html), user: ALAN.id, action: 'allow' },
      first.cookie,
    );
    const code = redirectTarget(consent).searchParams.get('code')!;
    const tokens = await json<TokenBody>(
      await redeem(
        base,
        { code, verifier, redirectUri: 'http://localhost:4173/' },
        { client_id: 'second-spa' },
      ),
    );
    expect(await whoAmI(tokens.access_token)).toBe(ALAN.id);
  });

  it('login_hint preselects the hinted user on the page', async () => {
    const html = await (await getAuthorize(base, params({ login_hint: ALAN.email }))).text();
    expect(html).toMatch(new RegExp(`value="${ALAN.id}" checked`));
    expect(html).not.toMatch(new RegExp(`value="${ADA.id}" checked`));
  });

  it('login_hint for another user than the session shows the page instead of signing in silently', async () => {
    const { cookie } = await getCode(base, { user: ADA.id });
    const res = await getAuthorize(base, params({ login_hint: ALAN.email }), cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(new RegExp(`value="${ALAN.id}" checked`));
  });

  it('max_age forces a new sign-in when the session is older, and the new one counts', async () => {
    const first = await signIn(base, { user: ADA.id });
    const signedInAt = first.tokens.auth_time!;
    expect(signedInAt).toBe(Math.floor(clock.now() / 1000));

    clock.advance(120);
    const young = await getAuthorize(base, params({ max_age: '300' }), first.cookie);
    expect(young.status).toBe(302);
    const old = await getAuthorize(base, params({ max_age: '60' }), first.cookie);
    expect(old.status).toBe(200);

    const again = await signIn(base, {
      user: ADA.id,
      cookie: first.cookie!,
      extra: { max_age: '60' },
    });
    expect(again.sawLoginPage).toBe(true);
    expect(again.tokens.auth_time).toBe(signedInAt + 120);
    // The fresh sign-in now satisfies max_age without another page.
    const after = await getCode(base, { cookie: again.cookie!, extra: { max_age: '60' } });
    expect(after.sawLoginPage).toBe(false);
  });

  it('max_age=0 always asks for a fresh sign-in', async () => {
    const { cookie } = await getCode(base);
    clock.advance(1);
    expect((await getAuthorize(base, params({ max_age: '0' }), cookie)).status).toBe(200);
  });

  it('a prompt=none with a session older than max_age redirects login_required', async () => {
    const { cookie } = await getCode(base);
    clock.advance(61);
    const res = await getAuthorize(
      base,
      params({ prompt: 'none', max_age: '60', state: 'old' }),
      cookie,
    );
    expectErrorRedirect(res, 'login_required', 'old');
  });

  it('ignores a session cookie it does not know', async () => {
    const res = await getAuthorize(base, params(), 'qlik_emulator_session=forged');
    expect(res.status).toBe(200);
  });
});

describe('autoApprove', () => {
  beforeEach(async () => {
    await emulator.close();
    emulator = await start({ now: clock.now, config: { autoApprove: true } });
    base = emulator.url;
  });

  it('skips the login page and signs in the first user', async () => {
    const result = await signIn(base);
    expect(result.sawLoginPage).toBe(false);
    expect(await whoAmI(result.tokens.access_token)).toBe(ADA.id);
  });

  it('signs in the user named by login_hint', async () => {
    const result = await signIn(base, { extra: { login_hint: ALAN.email } });
    expect(result.sawLoginPage).toBe(false);
    expect(await whoAmI(result.tokens.access_token)).toBe(ALAN.id);
  });

  it('still redirects errors such as a missing state', async () => {
    expectErrorRedirect(
      await getAuthorize(base, params({ state: undefined })),
      'invalid_request',
      undefined,
    );
  });
});
