import {
  AuthorizationResponseError,
  validateAuthResponse,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import { classifyError } from './classify.js';
import { QlikAuthError, type QlikAuthErrorDetails } from './errors.js';
import { parseUrl } from './options.js';
import { sessionFromTokenResponse, type Session } from './session.js';
import type { Grant } from './token-endpoint.js';
import { takeTransaction, type Transaction } from './transaction.js';
import type { Vault } from './vault.js';

/** What `handleRedirectCallback` resolves to: what the app passed to `signIn`. */
export interface CallbackResult {
  /** Same-origin path to go to now (`/` when none or unsafe). */
  returnTo?: string;
  /** The `appState` given to `signIn`, unchanged. */
  appState?: unknown;
}

/** What the callback handler needs from its instance. */
export interface CallbackDeps {
  client: Client;
  /** A token endpoint request (RFC 6749 section 4.1.3 here). */
  grant: Grant;
  vault: Vault;
  now: () => number;
  discover: () => Promise<AuthorizationServer>;
  /** Makes the new session current; runs once per successful exchange. */
  accept: (session: Session) => Promise<void>;
  /** Hears each failed exchange once. */
  fail: (error: QlikAuthError) => void;
  /**
   * A re-authorization by redirect that the tenant answered with `login_required` (or another
   * answer that needs the user): starts the interactive sign-in with the same `returnTo` and
   * `appState`, once.
   */
  restart: (transaction: Transaction) => Promise<unknown>;
}

/** What redeeming a response needs: {@link CallbackDeps} without what happens after. */
export type RedeemDeps = Pick<CallbackDeps, 'client' | 'grant' | 'vault' | 'now' | 'discover'>;

/** Authorization response parameters, which leave the address bar before anything else happens. */
const RESPONSE_PARAMS = [
  'code',
  'state',
  'error',
  'error_description',
  'error_code',
  'error_detail',
  'iss',
];

/** A URL with no `state`, or more than one (RFC 6749 section 10.12), or no URL at all. */
const stateMismatch = () => new QlikAuthError('state_mismatch', 'not a callback URL');

/**
 * The OpenID Connect answers to `prompt=none` that mean "not without the user" (OpenID Connect
 * Core section 3.1.2.6): the user must sign in (`login_required`), or must be asked something
 * (`interaction_required`, `consent_required`, `account_selection_required`). A
 * re-authorization goes on to the interactive login after one of these, and nothing else.
 */
const NEEDS_USER = /^(login|interaction|consent|account_selection)_required$/;

/** True for a `login_required` or `interaction_required` error: the user can still renew. */
export const needsUser = (error: QlikAuthError) => NEEDS_USER.test(error.code);

/** True when an authorization response URL is an answer to `prompt=none` that needs the user. */
export const asksForUser = (url: string) =>
  NEEDS_USER.test(parseUrl(url)?.searchParams.get('error') ?? '');

/**
 * RFC 6749 section 4.1.2.1 error redirect, with Qlik's `error_code` and `error_detail`: a
 * `login_required` or `interaction_required` error for the answers that need the user, else an
 * `authorization_error`.
 */
function authorizationError(params: URLSearchParams): QlikAuthError {
  const get = (name: string) => params.get(name) ?? undefined;
  const error = get('error') || 'unknown_error';
  const details: QlikAuthErrorDetails = {
    error,
    errorDescription: get('error_description'),
    errorCode: get('error_code'),
    errorDetail: get('error_detail'),
    // These two mean "try again later"; the others need the user or the app to change something.
    retryable: error === 'temporarily_unavailable' || error === 'server_error',
  };
  return new QlikAuthError(
    error === 'login_required'
      ? error
      : NEEDS_USER.test(error)
        ? 'interaction_required'
        : 'authorization_error',
    details.errorDescription ?? error,
    details,
  );
}

/**
 * Takes the transaction of an authorization response out of storage, checks the response, and
 * redeems its code: the transaction with the new session, or with the error the response is
 * (an error redirect). Fails, before any request, for a response whose transaction is gone (a
 * reload, the back button, a replay, a forgery), and for a failed code exchange.
 */
export async function redeemResponse(
  deps: RedeemDeps,
  params: URLSearchParams,
): Promise<[Transaction, Session | QlikAuthError]> {
  const states = params.getAll('state');
  if (states.length !== 1 || !states[0]) {
    throw stateMismatch();
  }
  // The transaction comes first: a replayed or forged URL fails here, without a request.
  const transaction = await takeTransaction(deps.vault, states[0], deps.now());
  // RFC 6749 section 4.1.2: checks state (again), `iss` where sent (RFC 9207), repeated
  // parameters; an error redirect passes the same checks before it is believed. What throws
  // here is classified by the caller.
  let code: string | null;
  try {
    code = validateAuthResponse(await deps.discover(), deps.client, params, transaction.state).get(
      'code',
    );
  } catch (thrown) {
    if (thrown instanceof AuthorizationResponseError) {
      return [transaction, authorizationError(params)];
    }
    throw thrown;
  }
  if (!code) throw new QlikAuthError('invalid_response', 'no code');
  const tokens = await deps.grant('authorization_code', {
    code,
    code_verifier: transaction.codeVerifier,
    redirect_uri: transaction.redirectUri,
  });
  return [transaction, sessionFromTokenResponse(tokens, deps.now(), transaction.scopes)];
}

/**
 * Removes the response parameters from the address bar (with `history.replaceState`, so no
 * navigation and no history entry) when that URL is the one being handled: a code left there
 * would be bookmarked, shared, logged by analytics, or replayed by a reload. Returns the new
 * address, under which a second call (reading the now clean address bar) finds the first.
 */
function cleanAddressBar(state: string | null): string | undefined {
  if (!globalThis.history) return;
  const current = new URL(location.href);
  if (state === null || current.searchParams.get('state') !== state) return;
  for (const name of RESPONSE_PARAMS) current.searchParams.delete(name);
  history.replaceState(history.state, '', current.href);
  return location.href;
}

/**
 * Creates `handleRedirectCallback` for one instance. Calls for the same `state` share one
 * promise, so React StrictMode's double effect or a double click cause one token request and
 * see one result; a URL whose transaction is gone (a reload, the back button, a replay) fails
 * with a typed error before any request is made.
 */
export function createCallbackHandler(deps: CallbackDeps) {
  /** By `state`, and by the cleaned address of the page that carried it. */
  const calls = new Map<string, Promise<CallbackResult>>();

  async function exchange(params: URLSearchParams): Promise<CallbackResult> {
    const [transaction, outcome] = await redeemResponse(deps, params);
    if (outcome instanceof QlikAuthError) {
      // A re-authorization the tenant cannot grant without the user: on to the login page, once.
      if (!transaction.fallback || !needsUser(outcome)) throw outcome;
      await deps.restart(transaction);
    } else {
      await deps.accept(outcome);
    }
    return {
      returnTo: transaction.returnTo,
      ...(transaction.appState === undefined ? {} : { appState: transaction.appState }),
    };
  }

  /** `quiet`: a failure is the caller's alone (`fail` does not hear it). */
  return function handleRedirectCallback(
    input?: string | URL,
    quiet?: boolean,
  ): Promise<CallbackResult> {
    const url = parseUrl(String(input ?? globalThis.location?.href));
    if (!url) return Promise.reject(stateMismatch());
    const params = url.searchParams;
    const state = params.get('state');
    let call = calls.get(state ?? url.href);
    if (!call) {
      const cleaned = cleanAddressBar(state);
      call = exchange(new URLSearchParams(params)).catch(async (thrown: unknown) => {
        const error = await classifyError(thrown);
        if (!quiet) deps.fail(error);
        throw error;
      });
      calls.set(state ?? url.href, call);
      if (cleaned) calls.set(cleaned, call);
    }
    return call;
  };
}
