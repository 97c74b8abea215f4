import type { QlikAuthError } from './errors.js';
import type { Grant } from './token-endpoint.js';
import { sessionFromTokenResponse, type Session } from './session.js';

/** RFC 8693 section 2.1 grant type of a token exchange. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 section 3: the subject token is an OAuth access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Qlik's purpose tokens (`websocket` for the engine, `webresource` for resource URLs): an RFC 8693
 * token exchange of the access token, cached in memory per purpose until `fresh` says otherwise,
 * with one exchange in flight per purpose however many callers ask. When the tenant refuses the
 * subject token (401), the access token is refreshed (`accessToken(true)`) and the exchange is
 * tried once more.
 * @param grant - a token endpoint request whose failures are classified
 * @param accessToken - the subject token; `true` forces a refresh first
 * @param fresh - true while a cached token may still be handed out
 * @see [RFC 8693 section 2.1](https://www.rfc-editor.org/rfc/rfc8693.html#section-2.1)
 */
export function createPurposeTokens(
  grant: Grant,
  accessToken: (force?: boolean) => Promise<string>,
  now: () => number,
  fresh: (token: Session) => boolean,
) {
  /** Per purpose: the cached token, or the exchange in flight. */
  let tokens = new Map<string, Session | Promise<string>>();

  const exchange = async (purpose: string, force?: boolean) =>
    grant(TOKEN_EXCHANGE, {
      subject_token: await accessToken(force),
      subject_token_type: ACCESS_TOKEN_TYPE,
      purpose,
    });

  return {
    /** The token for `purpose`: cached unless `force` or about to expire. */
    get(purpose: string, force?: boolean): Promise<string> {
      const entry = tokens.get(purpose);
      if (entry instanceof Promise) return entry;
      if (entry && !force && fresh(entry)) return Promise.resolve(entry.accessToken);
      const into = tokens;
      const flight = exchange(purpose)
        .catch((error: QlikAuthError) => {
          if (error.status !== 401) throw error;
          return exchange(purpose, true);
        })
        .then(
          (response) => {
            const token = sessionFromTokenResponse(response, now(), []);
            into.set(purpose, token);
            return token.accessToken;
          },
          (error: unknown) => {
            into.delete(purpose);
            throw error;
          },
        );
      into.set(purpose, flight);
      return flight;
    },
    /**
     * Forgets every token (at sign-out, or when the session becomes another grant's); exchanges
     * in flight no longer fill the cache. Returns the tokens forgotten, to be revoked.
     */
    clear(): string[] {
      const cached = [...tokens.values()];
      tokens = new Map();
      return cached.flatMap((entry) => (entry instanceof Promise ? [] : entry.accessToken));
    },
  };
}
