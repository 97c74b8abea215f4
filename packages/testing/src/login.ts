/** What the tenant's login page does with an authorization request. */
export interface LoginChoice {
  /** The user who signs in (id, subject, email or name). Default: the `login_hint`, else the first user. */
  user?: string;
  /** The user presses Deny: the app gets an `access_denied` error redirect. */
  deny?: boolean;
}

/** The part of a tenant the login round trip needs: an emulated tenant has it. */
export interface LoginTenant {
  /** Answers a request as the tenant (its WHATWG fetch handler). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Changes the tenant's run-time settings; here, whether it skips its login page. */
  configure(changes: Partial<AutoApproveSetting>): AutoApproveSetting;
  /** The tenant's current settings. */
  config(): AutoApproveSetting;
}

/** The one setting of the tenant that signing in through it reads and changes. */
export interface AutoApproveSetting {
  /** The tenant signs the `login_hint` user in at once, without its login page. */
  autoApprove: boolean;
}

/** The redirect a tenant answered with, or a clear error naming what it answered instead. */
function redirectTarget(response: Response, step: string): string {
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) return location;
  throw new Error(
    `the tenant answered ${step} with ${response.status} instead of a redirect to the app`,
  );
}

/**
 * Plays the browser at the tenant's authorization endpoint: follows `authorizeUrl` (the URL a
 * `QlikAuth` navigated to in `signIn()`), signs in on the login page or denies, and returns the
 * URL the tenant redirects back to, on the app's redirect URI with `code` and `state` (or an
 * `error`). Hand that URL to `handleRedirectCallback`.
 *
 * With `autoApprove` (the test tenant's default) the tenant signs in the `login_hint` user at
 * once; otherwise, and to deny, the login page's form is submitted as a user would.
 * @see [RFC 6749 section 4.1.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.1)
 */
export async function completeLogin(
  tenant: LoginTenant,
  authorizeUrl: string,
  choice: LoginChoice = {},
): Promise<string> {
  const url = new URL(authorizeUrl);
  if (choice.user) url.searchParams.set('login_hint', choice.user);
  const autoApprove = tenant.config().autoApprove;
  // Deny is a button on the login page, which an auto-approving tenant skips.
  if (choice.deny && autoApprove) tenant.configure({ autoApprove: false });
  try {
    const response = await tenant.fetch(url, { redirect: 'manual' });
    if (response.status !== 200) return redirectTarget(response, 'the authorization request');
    const page = await response.text();
    const transaction = /name="transaction" value="([^"]+)"/.exec(page)?.[1];
    if (!transaction) throw new Error('the tenant showed no login page for the request');
    const form = new URLSearchParams({ transaction, action: choice.deny ? 'deny' : 'allow' });
    const user = choice.user ?? url.searchParams.get('login_hint');
    if (user) form.set('typed', user);
    const submitted = await tenant.fetch(new URL('/oauth/authorize/login', url), {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    return redirectTarget(submitted, 'the login form');
  } finally {
    if (choice.deny && autoApprove) tenant.configure({ autoApprove: true });
  }
}
