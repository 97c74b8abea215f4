// oidc-client-ts alone: a new UserManager on a freshly loaded page, its first getUser() reading
// the user that the bench seeded in sessionStorage (where oidc-client-ts keeps it by default).
import { UserManager } from 'oidc-client-ts';
import { fail, report } from './report.js';

const { host, clientId, redirectUri } = window.benchConfig;
new UserManager({
  authority: host,
  client_id: clientId,
  redirect_uri: redirectUri,
  metadata: {
    issuer: host,
    authorization_endpoint: `${host}/oauth/authorize`,
    token_endpoint: `${host}/oauth/token`,
  },
})
  .getUser()
  .then((user) => report(user?.access_token), fail);
