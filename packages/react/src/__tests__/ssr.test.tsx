// @vitest-environment node
import { Suspense } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import {
  QlikAuthProvider,
  RequireQlikAuth,
  useQlikAuth,
  useQlikToken,
  type QlikAuthOptions,
} from '../index.js';

function Status() {
  const { status } = useQlikAuth();
  return <p>status:{status}</p>;
}

function Token() {
  const { token, status } = useQlikToken();
  return (
    <p>
      token:{token ?? 'none'}:{status}
    </p>
  );
}

function SuspendedToken() {
  const { token } = useQlikToken({ purpose: 'websocket', suspense: true });
  return <p>engine:{token}</p>;
}

describe('server rendering', () => {
  it('renders the loading state on Node, where there is no window, and asks the tenant nothing', () => {
    expect(typeof window).toBe('undefined');
    const fetch = vi.fn<typeof globalThis.fetch>();
    const onWarning = vi.fn();
    const options: QlikAuthOptions = {
      host: 'tenant.eu.qlikcloud.com',
      clientId: 'spa-client',
      redirectUri: 'https://app.example.com/callback',
      fetch,
      onWarning,
    };
    const logged = vi.spyOn(console, 'error');
    const html = renderToString(
      <QlikAuthProvider {...options}>
        <Status />
        <Token />
        <RequireQlikAuth fallback={<p>checking the session</p>}>
          <p>secret dashboard</p>
        </RequireQlikAuth>
        <Suspense fallback={<p>connecting to the engine</p>}>
          <SuspendedToken />
        </Suspense>
      </QlikAuthProvider>,
    );
    expect(html).toContain('status:<!-- -->loading');
    expect(html).toContain('token:<!-- -->none<!-- -->:<!-- -->loading');
    expect(html).toContain('checking the session');
    expect(html).not.toContain('secret dashboard');
    expect(html).toContain('connecting to the engine');
    expect(fetch).not.toHaveBeenCalled();
    // The provider keeps a server render's instance in memory: no storage fallback to warn of.
    expect(onWarning).not.toHaveBeenCalled();
    expect(logged).not.toHaveBeenCalled();
    logged.mockRestore();
  });
});
