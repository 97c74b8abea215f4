import type { ClientConfig } from '../config/config.js';

/**
 * A role reference of a user record, as Qlik Cloud's users API shapes it: `{ id, name, type,
 * level }` (qlik.dev users API, https://qlik.dev/apis/rest/users/; the `AssignedRoles` type of
 * qlik-oss/qlik-api-ts users.d.ts).
 */
export interface AssignedRole {
  id: string;
  name: string;
  type: 'default' | 'custom';
  level: 'admin' | 'user';
}

/** A group reference of a user record (`AssignedGroups` of the same sources). */
export interface AssignedGroup {
  id: string;
  name: string;
  providerType?: 'idp' | 'custom';
}

/**
 * A user record as `GET /api/v1/users/{id}` returns it: the fields of Qlik's `User` schema that
 * the emulator knows (https://qlik.dev/apis/rest/users/). The deprecated `roles` is left out:
 * Qlik deprecated it for `assignedRoles`.
 */
export interface UserRecord {
  id: string;
  tenantId: string;
  subject?: string;
  name?: string;
  email?: string;
  status: 'active' | 'disabled';
  assignedRoles: AssignedRole[];
  assignedGroups: AssignedGroup[];
  links: { self: { href: string } };
}

/** The bot user's id for a machine-to-machine client. */
export function botUserId(clientId: string): string {
  return `bot-${clientId}`;
}

/**
 * The bot user a machine-to-machine OAuth client acts as. On Qlik Cloud a `client_credentials`
 * token belongs to no person but to a bot user the tenant keeps for the client, and
 * `/api/v1/users/me` leads to it; its subject is `qlikbot\<client id>` (the subject Qlik's
 * license assignments show for an OAuth client, https://qlik.dev/changelog/49-api-deprecation-license-attr),
 * its name the client's. Its roles are not published: the emulator gives it none.
 */
export function botUser(
  tenantId: string,
  client: Pick<ClientConfig, 'clientId'>,
  origin: string,
): UserRecord {
  const id = botUserId(client.clientId);
  return {
    id,
    tenantId,
    subject: `qlikbot\\${client.clientId}`,
    name: client.clientId,
    status: 'active',
    assignedRoles: [],
    assignedGroups: [],
    links: { self: { href: `${origin}/api/v1/users/${encodeURIComponent(id)}` } },
  };
}
