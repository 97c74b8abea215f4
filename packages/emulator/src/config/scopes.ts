/**
 * Qlik Cloud's OAuth scopes as far as the emulator's APIs touch them, and which scopes allow what.
 *
 * Sources:
 * - help.qlik.com "OAuth scopes reference"
 *   (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-scopes.htm):
 *   the scope names and what each permits; `admin_classic` is not supported for single-page app
 *   or native client types.
 * - qlik.dev "OAuth Scopes" (https://qlik.dev/authenticate/oauth/scopes): scopes only limit what
 *   a token may do, never add to the user's roles; `user_default` and `admin_classic` are the
 *   broad, dynamic scopes; `offline_access` must be requested to get a refresh token.
 * - qlik.dev "Scopes" (https://qlik.dev/manage/access-control/scopes): a parent scope holds the
 *   permissions of its child scopes (`apps` holds `apps:read`).
 *
 * Qlik publishes neither which scope each endpoint checks nor its answer to a token without it.
 * The emulator's reading, named so in comments and the README: reading apps (items of type app,
 * an app's thumbnail, the engine socket) needs a scope that reads apps; `/api/v1/users/{id}`
 * answers any user token, and the identity scopes decide which of the user's fields it shows.
 */

/** The scopes of Qlik's reference that the emulator knows by name (others pass through). */
export const KNOWN_SCOPES = {
  /** Full access to the user's account and content: everything the user may do. */
  user_default: 'Full access to your account and content',
  /** Full administrator access to the tenant; web (confidential) clients only. */
  admin_classic: 'Full administrator access to your tenant',
  /** A refresh token; never for a single-page app. */
  offline_access: 'Access when you are not signed in (a refresh token)',
  apps: 'Read and manage your apps',
  'apps:read': 'Read your apps',
  'admin.apps': 'Read and manage all apps in the tenant',
  'admin.apps:read': 'Read all apps in the tenant',
  'identity.name:read': 'Read your full name',
  'identity.email:read': 'Read your email address',
  'identity.subject:read': 'Read your user subject identifier',
  'identity.picture:read': 'Read your profile picture',
} as const;

/** The two broad scopes: each allows whatever a narrower scope would, here. */
const BROAD = ['user_default', 'admin_classic'];

/** What the emulator's APIs check, and the scopes that allow each (a parent allows its child). */
export const SCOPE_RULES = {
  /** `/api/v1/items` (apps), `/api/v1/apps/{id}/media/thumbnail`, the engine socket `/app/{id}`. */
  readApps: [...BROAD, 'apps', 'apps:read', 'admin.apps', 'admin.apps:read'],
  /** The `name` of `/api/v1/users/{id}`. */
  readName: [...BROAD, 'identity.name:read'],
  /** The `email` of `/api/v1/users/{id}`. */
  readEmail: [...BROAD, 'identity.email:read'],
  /** The `subject` of `/api/v1/users/{id}`. */
  readSubject: [...BROAD, 'identity.subject:read'],
} as const;

export type ScopeRule = keyof typeof SCOPE_RULES;

/** Whether a granted scope string (space separated) allows what `rule` names. */
export function scopeAllows(scope: string, rule: ScopeRule): boolean {
  const granted = scope.split(/\s+/);
  return SCOPE_RULES[rule].some((allowed) => granted.includes(allowed));
}

/**
 * `admin_classic` is supported for web (confidential) clients only: the help.qlik.com scopes
 * reference says it is not supported for single-page app or native client types.
 */
export const ADMIN_CLASSIC = 'admin_classic';
