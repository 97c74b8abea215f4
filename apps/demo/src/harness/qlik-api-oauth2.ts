// A page for the end-to-end suite only: @qlik/api's own OAuth for single-page apps, set up as its
// documentation says, with no qlik-auth code at all. It proves that the emulator is a tenant
// @qlik/api signs in to unchanged. Served at /callback, a redirect URI the emulator's demo client
// registers: @qlik/api comes back to the page that started the sign-in.
import { auth, users } from '@qlik/api';

const host = import.meta.env.VITE_QLIK_HOST || 'http://localhost:8787';
const clientId = import.meta.env.VITE_QLIK_CLIENT_ID || 'demo-spa';

auth.setDefaultHostConfig({
  host,
  authType: 'oauth2',
  clientId,
  redirectUri: `${location.origin}/callback`,
});

const output = document.getElementById('user-name')!;
// Without a token, this call takes the browser to the tenant's sign-in, and back.
users.getMyUser().then(
  ({ data }) => {
    output.textContent = data.name ?? '';
    output.dataset.status = 'ready';
  },
  (error: unknown) => {
    output.textContent = String((error as Error)?.message ?? error);
    output.dataset.status = 'failed';
  },
);
