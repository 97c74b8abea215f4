import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2015.0.json';
import type { QlikAuth } from '@qlik-auth/react';

/** The part of the QIX Global interface the demo calls. */
interface Global extends EnigmaJS.QixObject {
  openDoc(appId: string): Promise<Doc>;
  engineVersion(): Promise<{ qComponentVersion: string }>;
}

/** The part of the QIX Doc interface the demo calls. */
interface Doc extends EnigmaJS.QixObject {
  getAppLayout(): Promise<AppLayout>;
}

/** What `GetAppLayout` returns (the fields the demo shows; the engine sends more). */
export interface AppLayout {
  qTitle: string;
  qFileName?: string;
  qLastReloadTime?: string;
  qHasScript?: boolean;
  qHasData?: boolean;
  qLocaleInfo?: Record<string, unknown>;
  qMeta?: { privileges?: string[] };
  [key: string]: unknown;
}

export interface OpenedApp {
  layout: AppLayout;
  engineVersion: string;
  /** The engine URL with its websocket-purpose token masked, for display. */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens an app over the engine WebSocket: `auth.webSocketUrl(appId)` gives the URL with a
 * websocket-purpose token (RFC 8693), enigma.js speaks QIX JSON-RPC over it.
 */
export async function openApp(auth: QlikAuth, appId: string): Promise<OpenedApp> {
  const url = await auth.webSocketUrl(appId);
  const session = enigma.create({ schema, url, createSocket: (target) => new WebSocket(target) });
  try {
    const global = await session.open<Global>();
    const doc = await global.openDoc(appId);
    const [layout, version] = await Promise.all([doc.getAppLayout(), global.engineVersion()]);
    return {
      layout,
      engineVersion: version.qComponentVersion,
      url: url.replace(/accessToken=[^&]+/, 'accessToken=••••••'),
      close: () => session.close(),
    };
  } catch (error) {
    void session.close().catch(() => undefined);
    throw error;
  }
}
