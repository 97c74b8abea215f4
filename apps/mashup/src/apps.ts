// The tenant's apps: listed with the access token, thumbnails through web-resource URLs, and each
// app opened on the engine WebSocket with a websocket-purpose token.
import type { QlikAuth } from '@qlik-auth/core';
import { connectEngine, readAppTitle, type EngineSession } from './engine.js';

/** One entry of `GET /api/v1/items?resourceType=app`. */
interface Item {
  id: string;
  resourceId: string;
  resourceType: string;
  name: string;
  description?: string;
  thumbnail?: string;
}

export interface AppList {
  /** Lists the apps once per sign-in (later calls do nothing until `clear`). */
  load(): Promise<void>;
  /** Empties the list and closes every engine socket (on sign-out). */
  clear(): void;
}

export function createAppList(
  auth: QlikAuth,
  elements: { card: HTMLElement; list: HTMLElement; status: HTMLElement },
  onError: (error: unknown) => void,
): AppList {
  const sessions = new Map<string, EngineSession>();
  let loading: Promise<void> | undefined;
  /** Bumped by `clear`, so a listing that finishes after a sign-out is dropped. */
  let generation = 0;

  function setStatus(text: string, state: string): void {
    elements.status.textContent = text;
    elements.status.dataset.state = state;
  }

  async function showThumbnail(img: HTMLImageElement, item: Item): Promise<void> {
    const source =
      item.thumbnail ?? `/api/v1/apps/${encodeURIComponent(item.resourceId)}/media/thumbnail`;
    try {
      img.src = await auth.webResourceUrl(source);
    } catch (error) {
      img.dataset.state = 'error';
      onError(error);
    }
  }

  async function open(item: Item, row: HTMLElement, button: HTMLButtonElement): Promise<void> {
    const title = row.querySelector<HTMLElement>('[data-testid="app-title"]')!;
    const state = (value: string, ...content: (string | Node)[]) => {
      row.dataset.engine = value;
      title.replaceChildren(...content);
      title.hidden = false;
    };
    button.disabled = true;
    sessions.get(item.resourceId)?.close();
    state('connecting', 'Opening…');
    const mine = generation;
    try {
      const session = await connectEngine(await auth.webSocketUrl(item.resourceId));
      if (mine !== generation) return session.close();
      sessions.set(item.resourceId, session);
      void session.closed.then(() => {
        if (sessions.get(item.resourceId) === session) sessions.delete(item.resourceId);
        if (row.dataset.engine === 'open') row.dataset.engine = 'closed';
      });
      const qTitle = await readAppTitle(session, item.resourceId);
      const strong = document.createElement('strong');
      strong.id = `app-qtitle-${item.resourceId}`;
      strong.setAttribute('data-testid', 'app-qtitle');
      strong.textContent = qTitle;
      state('open', 'Opened in the engine: ', strong);
    } catch (error) {
      state('error', error instanceof Error ? error.message : String(error));
      onError(error);
    } finally {
      button.disabled = false;
    }
  }

  function row(item: Item): HTMLElement {
    const li = document.createElement('li');
    li.className = 'app';
    li.id = `app-${item.resourceId}`;
    li.dataset.appId = item.resourceId;
    li.setAttribute('data-testid', 'app');

    const img = document.createElement('img');
    img.className = 'thumb';
    img.alt = `Thumbnail of ${item.name}`;
    img.width = 160;
    img.height = 90;
    img.id = `app-thumbnail-${item.resourceId}`;
    img.setAttribute('data-testid', 'app-thumbnail');
    img.addEventListener('load', () => (img.dataset.state = 'loaded'));
    img.addEventListener('error', () => (img.dataset.state = 'error'));

    const body = document.createElement('div');
    body.className = 'app-body';
    const name = document.createElement('strong');
    name.className = 'app-name';
    name.textContent = item.name;
    name.setAttribute('data-testid', 'app-name');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Open';
    button.setAttribute('data-testid', 'app-open');
    button.setAttribute('aria-label', `Open ${item.name}`);
    button.addEventListener('click', () => void open(item, li, button));
    const title = document.createElement('p');
    title.className = 'app-title';
    title.hidden = true;
    title.id = `app-title-${item.resourceId}`;
    title.setAttribute('data-testid', 'app-title');
    title.setAttribute('aria-live', 'polite');
    body.append(name, button, title);

    li.append(img, body);
    void showThumbnail(img, item);
    return li;
  }

  async function list(): Promise<void> {
    const mine = generation;
    setStatus('Loading apps…', 'loading');
    elements.card.hidden = false;
    try {
      const response = await auth.fetch('/api/v1/items?resourceType=app');
      if (!response.ok) throw new Error(`items answered ${response.status}`);
      const { data } = (await response.json()) as { data: Item[] };
      if (mine !== generation) return;
      const apps = data.filter((item) => item.resourceType === 'app');
      elements.list.replaceChildren(...apps.map(row));
      setStatus(`${apps.length} app${apps.length === 1 ? '' : 's'}`, 'loaded');
    } catch (error) {
      if (mine !== generation) return;
      setStatus('Could not list the apps', 'error');
      loading = undefined;
      onError(error);
    }
  }

  return {
    load() {
      loading ??= list();
      return loading;
    },
    clear() {
      generation += 1;
      loading = undefined;
      for (const session of sessions.values()) session.close();
      sessions.clear();
      elements.list.replaceChildren();
      elements.card.hidden = true;
      setStatus('', 'idle');
    },
  };
}
