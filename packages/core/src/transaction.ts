import { QlikAuthError } from './errors.js';
import type { SessionStore } from './storage.js';
import type { Vault } from './vault.js';

/** A sign-in in progress: what the callback needs to finish it, and nothing else. */
export interface Transaction {
  state: string;
  /** The PKCE secret (RFC 7636 section 4.1); sent once, to the token endpoint. */
  codeVerifier: string;
  /** The redirect URI sent to the authorization endpoint, which the token request must repeat. */
  redirectUri: string;
  scopes: string[];
  /** Same-origin path to return to, already made safe. */
  returnTo: string;
  appState?: unknown;
  /**
   * A re-authorization by redirect (`prompt=none`): when the tenant answers that the user must
   * sign in, the callback goes on to the interactive login, once (its own transaction has none).
   */
  fallback?: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A transaction is good for 10 minutes: long enough to sign in, short enough to be stale. */
export const TRANSACTION_TTL_MS = 10 * 60 * 1000;

const PREFIX = 'transaction:';
const recordName = (state: string) => PREFIX + state;

/** Stores a transaction under its `state`, so several sign-ins (tabs) can be in flight at once. */
export function saveTransaction(vault: Vault, transaction: Transaction): Promise<void> {
  return vault.write(recordName(transaction.state), transaction);
}

/** Deletes the transaction of a sign-in that will never come back (a renewal frame gave up). */
export const dropTransaction = (vault: Vault, state: string) => vault.remove(recordName(state));

/**
 * Takes the transaction of a `state` out of storage: it can be used once only, even by two tabs
 * handling the same callback URL at the same moment.
 */
export async function takeTransaction(
  vault: Vault,
  state: string,
  now: number,
): Promise<Transaction> {
  const transaction = (await vault.take(recordName(state))) as Transaction | undefined;
  if (transaction?.state !== state) {
    throw new QlikAuthError('transaction_not_found', 'no sign-in waits for this state');
  }
  if (!(now - transaction.createdAt <= TRANSACTION_TTL_MS)) {
    throw new QlikAuthError('transaction_expired', 'the sign-in expired');
  }
  return transaction;
}

/**
 * Deletes the transactions of abandoned sign-ins (the user never came back), which would
 * otherwise pile up: those past their time and those that no longer decrypt.
 */
export async function sweepTransactions(vault: Vault, store: SessionStore, now: number) {
  for (const name of (await store.keys?.()) ?? []) {
    if (!name.startsWith(PREFIX)) continue;
    const transaction = (await vault.read(name)) as Transaction | undefined;
    // NaN, hence swept, for a record gone or unreadable.
    if (!(now - (transaction?.createdAt ?? NaN) <= TRANSACTION_TTL_MS)) await vault.remove(name);
  }
}
