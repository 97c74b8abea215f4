import { useQlikAuth } from '@qlik-auth/react';
import { users } from '@qlik/api';
import type { User } from '@qlik/api/users';
import { codeOf } from '../errors.js';
import { useTenantData } from '../tenant.js';
import { RenewalFacts } from './SessionEnding.js';

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((part) => part[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();

/** The user's roles: `assignedRoles`, as Qlik Cloud and the emulator send them. */
const roleNames = (user: User) => (user.assignedRoles ?? []).map((role) => role.name).join(', ');

/** Who is signed in: `/api/v1/users/me`, read with @qlik/api's `users.getMyUser()`. */
export function SessionCard() {
  const { user, scopes } = useQlikAuth();
  const me = useTenantData('users.getMyUser()', async () => (await users.getMyUser()).data);
  return (
    <section className="card" data-testid="session-card">
      <header className="card-head">
        <h2>Signed-in user</h2>
        <code className="endpoint">users.getMyUser()</code>
      </header>
      {me.state === 'ready' ? (
        <div className="user">
          <span className="avatar" aria-hidden="true">
            {initials(me.data.name)}
          </span>
          <div>
            <p className="user-name" data-testid="user-name">
              {me.data.name}
            </p>
            <p className="muted" data-testid="user-email">
              {me.data.email}
            </p>
          </div>
        </div>
      ) : me.state === 'failed' ? (
        <p className="inline-error" data-testid="user-error">
          Could not load the user: <code>{codeOf(me.error)}</code>
        </p>
      ) : (
        <div className="user skeleton" aria-busy="true">
          <span className="avatar" />
          <div>
            <p className="bar" />
            <p className="bar short" />
          </div>
        </div>
      )}
      <dl className="facts">
        <dt>Subject</dt>
        <dd>
          <code>{user?.subject ?? '—'}</code>
        </dd>
        <dt>User id</dt>
        <dd>
          <code>{me.state === 'ready' ? me.data.id : (user?.id ?? '—')}</code>
        </dd>
        <dt>Tenant</dt>
        <dd>
          <code>{me.state === 'ready' ? me.data.tenantId : (user?.tenantId ?? '—')}</code>
        </dd>
        <dt>Roles</dt>
        <dd>{me.state === 'ready' ? roleNames(me.data) || '—' : '—'}</dd>
        <RenewalFacts />
        <dt>Scopes</dt>
        <dd className="chips" data-testid="scopes">
          {(scopes ?? []).map((scope) => (
            <span className="tag" key={scope}>
              {scope}
            </span>
          ))}
        </dd>
      </dl>
    </section>
  );
}
