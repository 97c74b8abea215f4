/** What a tab tells the others; the message carries no token: they read storage themselves. */
export type TabMessage = 'session' | 'signedOut';

/**
 * Runs `task` while holding the exclusive Web Lock `name`, shared by every tab of the origin, so
 * that one tab at a time reads, refreshes and writes the session: two tabs refreshing at once
 * would send the same refresh token twice, and a tenant that rotates refresh tokens treats the
 * second use as theft and revokes the session. Without Web Locks (old browsers), runs it at once.
 * @see [Web Locks API](https://w3c.github.io/web-locks/#api-lock-manager-request)
 */
export function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  return locks ? (locks.request(name, { mode: 'exclusive' }, task) as Promise<T>) : task();
}

/** The tabs of an origin that share a session: tell them, or hear from them. */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/**
 * Opens the `BroadcastChannel` `name`; `onMessage` runs for every message from another tab (a
 * channel never hears itself). Outside a browser window it is silent.
 * @see [HTML: broadcasting to other browsing contexts](https://html.spec.whatwg.org/multipage/web-messaging.html#broadcasting-to-other-browsing-contexts)
 */
export function openChannel(name: string, onMessage: () => void): TabChannel {
  let channel =
    globalThis.window && globalThis.BroadcastChannel ? new BroadcastChannel(name) : undefined;
  if (channel) channel.onmessage = onMessage;
  return {
    post: (message) => channel?.postMessage(message),
    close() {
      channel?.close();
      channel = undefined;
    },
  };
}
