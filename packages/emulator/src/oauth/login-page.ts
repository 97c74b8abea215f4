import type { UserConfig } from '../config/config.js';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface LoginPageInput {
  transaction: string;
  clientId: string;
  scope: string;
  users: UserConfig[];
  /** Preselected user (login_hint or the current session). */
  selected?: string;
  /** Consent only: the user is already signed in. */
  consentFor?: UserConfig;
  message?: string;
}

/**
 * The tenant's login page: a plain form to pick or type a user, then allow or deny the client.
 * No script, so the page works under the strict CSP the server sends.
 */
export function loginPage(input: LoginPageInput): string {
  const options = input.users
    .filter((user) => !user.disabled)
    .map((user) => {
      const checked = user.id === input.selected ? ' checked' : '';
      return `<label class="user"><input type="radio" name="user" value="${escapeHtml(user.id)}"${checked}>
        <span><strong>${escapeHtml(user.name)}</strong><small>${escapeHtml(user.email)}</small></span></label>`;
    })
    .join('\n');
  const who = input.consentFor
    ? `<p>Signed in as <strong>${escapeHtml(input.consentFor.name)}</strong>.</p>
       <input type="hidden" name="user" value="${escapeHtml(input.consentFor.id)}">`
    : `<fieldset><legend>Choose a user</legend>${options}</fieldset>
       <label class="typed">or type an email <input type="text" name="typed" autocomplete="off" placeholder="someone@example.com"></label>`;
  const scopes = input.scope
    .split(' ')
    .map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Qlik Cloud emulator</title>
<style>
  body{font-family:system-ui,sans-serif;background:#f3f5f7;color:#1d2329;display:grid;place-items:center;min-height:100vh;margin:0}
  main{background:#fff;border-radius:12px;box-shadow:0 8px 30px #0002;padding:2rem;width:min(420px,92vw)}
  h1{font-size:1.3rem;margin:0 0 .25rem} .sub{color:#5b6770;margin:0 0 1rem}
  fieldset{border:0;padding:0;margin:0 0 1rem} legend{font-weight:600;margin-bottom:.5rem}
  .user{display:flex;gap:.75rem;align-items:center;border:1px solid #d9dee3;border-radius:8px;padding:.6rem .8rem;margin:.4rem 0;cursor:pointer}
  .user span{display:flex;flex-direction:column} .user small{color:#5b6770}
  .typed{display:flex;flex-direction:column;gap:.3rem;font-size:.9rem;margin-bottom:1rem}
  input[type=text]{padding:.55rem;border:1px solid #c4ccd3;border-radius:6px;font:inherit}
  ul{padding-left:1.2rem;margin:.3rem 0 1rem} .actions{display:flex;gap:.75rem}
  button{flex:1;padding:.7rem;border-radius:8px;border:0;font:inherit;font-weight:600;cursor:pointer}
  .allow{background:#009845;color:#fff} .deny{background:#e8ebee;color:#1d2329}
  .msg{background:#fdecea;color:#8a1c12;padding:.6rem .8rem;border-radius:6px}
</style></head>
<body><main>
<h1>Sign in to the emulated tenant</h1>
<p class="sub">Client <code>${escapeHtml(input.clientId)}</code> asks for:</p>
<ul>${scopes}</ul>
${input.message ? `<p class="msg" role="alert">${escapeHtml(input.message)}</p>` : ''}
<form method="post" action="/oauth/authorize/login">
<input type="hidden" name="transaction" value="${escapeHtml(input.transaction)}">
${who}
<div class="actions"><button class="allow" name="action" value="allow" type="submit">Sign in</button>
<button class="deny" name="action" value="deny" type="submit">Deny</button></div>
</form></main></body></html>`;
}
