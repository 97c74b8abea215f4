// The authorization endpoint and its login page cannot be framed (clickjacking), unless the
// tenant allows its clients' origins to: then Content-Security-Policy frame-ancestors lists them,
// as a Qlik Cloud administrator adds frame-ancestors entries ("Managing Content Security Policy").
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/config.js';
import { createTenant } from '../src/create-tenant.js';
import {
  fetch,
  APP_ORIGIN,
  REDIRECT_URI,
  authorizeParams,
  controlOk,
  emulatorPerTest,
  getAuthorize,
  pkce,
  postLogin,
  signIn,
  transactionOf,
} from './helpers.js';

let base: string;

emulatorPerTest(undefined, (started) => ({ base } = started));

/** The frame-ancestors directive of a response's CSP. */
function frameAncestors(res: Response): string | undefined {
  return /(?:^|;\s*)frame-ancestors ([^;]+)/.exec(
    res.headers.get('content-security-policy') ?? '',
  )?.[1];
}

/** The login page, the login form answering with the page again (400), and a redirect (302). */
async function authorizeResponses(): Promise<Response[]> {
  const page = await getAuthorize(base, authorizeParams(pkce().challenge));
  expect(page.status).toBe(200);
  const transaction = transactionOf(await page.text());
  const again = await postLogin(base, { transaction, action: 'allow', typed: 'not an email' });
  expect(again.status).toBe(400);
  const { cookie } = await signIn(base);
  const redirect = await getAuthorize(base, authorizeParams(pkce().challenge), cookie);
  expect(redirect.status).toBe(302);
  return [page, again, redirect];
}

const DEV_ORIGINS = defaultConfig().clients[0]!.allowedOrigins!;

describe('by default', () => {
  it('forbids framing /oauth/authorize and its login page: X-Frame-Options DENY and frame-ancestors none', async () => {
    for (const res of await authorizeResponses()) {
      expect(res.headers.get('x-frame-options'), res.url).toBe('DENY');
      expect(frameAncestors(res), res.url).toBe("'none'");
    }
  });
});

describe('a request for a frame (Sec-Fetch-Dest: iframe)', () => {
  /** The authorization request a hidden frame makes, silent, with a live login session. */
  async function framed(): Promise<Response> {
    const { cookie } = await signIn(base);
    const url = new URL('/oauth/authorize', base);
    for (const [key, value] of Object.entries({
      ...authorizeParams(pkce().challenge),
      prompt: 'none',
    })) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return fetch(url, {
      redirect: 'manual',
      headers: { cookie: cookie ?? '', 'sec-fetch-dest': 'iframe' },
    });
  }

  it('gets a page that the framing headers keep out of the frame, not the redirect it would follow', async () => {
    const res = await framed();
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(frameAncestors(res)).toBe("'none'");
  });

  it('is served as any other with allowFraming: the redirect with a code', async () => {
    await controlOk(base, 'PATCH', '/config', { allowFraming: true });
    const res = await framed();
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});

describe('with allowFraming', () => {
  it('lets the clients’ allowed origins frame them: frame-ancestors lists the origins, no X-Frame-Options', async () => {
    await controlOk(base, 'PATCH', '/config', { allowFraming: true });
    for (const res of await authorizeResponses()) {
      expect(res.headers.get('x-frame-options'), res.url).toBeNull();
      const allowed = frameAncestors(res)!.split(' ');
      expect(allowed).toEqual(expect.arrayContaining(DEV_ORIGINS));
      expect(allowed).toContain(APP_ORIGIN);
      expect(allowed).not.toContain("'none'");
      expect(allowed).not.toContain('*');
    }
  });

  it('is switched off again at run time', async () => {
    await controlOk(base, 'PATCH', '/config', { allowFraming: true });
    await controlOk(base, 'PATCH', '/config', { allowFraming: false });
    const res = await getAuthorize(base, authorizeParams(pkce().challenge));
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(frameAncestors(res)).toBe("'none'");
  });

  it('leaves every other path unframable', async () => {
    await controlOk(base, 'PATCH', '/config', { allowFraming: true });
    for (const path of ['/', '/.well-known/oauth-authorization-server', '/oauth/authorizer']) {
      const res = await fetch(new URL(path, base));
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(frameAncestors(res), path).toBe("'none'");
    }
  });

  it('lists only well-formed origins, and none when no client has any', async () => {
    const tenant = createTenant({
      allowFraming: true,
      clients: [
        {
          clientId: 'c',
          redirectUris: [REDIRECT_URI],
          allowedOrigins: ['http://localhost:3000', "http://x; script-src 'unsafe-inline'"],
        },
      ],
    });
    const url = new URL('http://localhost/oauth/authorize');
    for (const [key, value] of Object.entries(
      authorizeParams(pkce().challenge, { client_id: 'c' }),
    )) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    expect(frameAncestors(await tenant.fetch(url))).toBe('http://localhost:3000');

    const closed = createTenant({
      allowFraming: true,
      clients: [{ clientId: 'c', redirectUris: [REDIRECT_URI] }],
    });
    const res = await closed.fetch(url);
    expect(frameAncestors(res)).toBe("'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
