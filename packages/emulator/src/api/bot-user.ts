import type { ClientConfig } from '../config/config.js';

/** A user record as `GET /api/v1/users/me` returns it. */
export interface UserRecord {
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  email?: string;
  status: 'active' | 'disabled';
  roles: string[];
}

/**
 * The bot user a machine-to-machine OAuth client acts as. On Qlik Cloud a `client_credentials`
 * token belongs to no person but to a bot user the tenant keeps for the client, and
 * `/api/v1/users/me` answers with it; its subject is `qlikbot\<client id>`, its name the client's.
 */
export function botUser(tenantId: string, client: Pick<ClientConfig, 'clientId'>): UserRecord {
  return {
    id: `bot-${client.clientId}`,
    tenantId,
    subject: `qlikbot\\${client.clientId}`,
    name: client.clientId,
    status: 'active',
    roles: [],
  };
}
