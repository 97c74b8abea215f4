import { qix } from '@qlik/api';
import type { NxAppLayout } from '@qlik/api/qix';

/** What `GetAppLayout` returns. */
export type AppLayout = NxAppLayout;

export interface OpenedApp {
  layout: AppLayout;
  engineVersion: string;
  close(): Promise<void>;
}

/**
 * Opens an app over the engine WebSocket with @qlik/api's `qix.openAppSession`; the socket URL
 * carries a websocket-purpose token (RFC 8693) that `qlikApiAuthModule` takes from the session.
 */
export async function openApp(appId: string): Promise<OpenedApp> {
  const session = qix.openAppSession({ appId });
  try {
    const doc = await session.getDoc();
    const [layout, version] = await Promise.all([doc.getAppLayout(), doc.global.engineVersion()]);
    return {
      layout,
      engineVersion: version.qComponentVersion ?? '',
      close: () => session.close(),
    };
  } catch (error) {
    void session.close().catch(() => undefined);
    throw error;
  }
}
