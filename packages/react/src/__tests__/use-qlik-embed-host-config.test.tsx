import { renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { QlikAuthProvider, type QlikAuth } from '../index.js';
import { useQlikEmbedHostConfig } from '../qlik-embed.js';
import { setup } from './helpers.js';

/** The auth module a host config names, as qlik-embed's runtime finds it: a global. */
interface PublishedModule {
  getRestCallAuthParams(): Promise<{ headers: Record<string, string> }>;
}
const scope = globalThis as unknown as Record<string, PublishedModule | undefined>;

const names: string[] = [];
afterEach(() => {
  for (const name of names.splice(0)) delete scope[name];
});
const uniqueName = () => {
  const name = `qlikAuthReact${names.length}${Math.random().toString(36).slice(2, 8)}`;
  names.push(name);
  return name;
};

const inProvider = (auth: QlikAuth) =>
  function Wrapper({ children }: { children: ReactNode }) {
    return <QlikAuthProvider auth={auth}>{children}</QlikAuthProvider>;
  };

describe('useQlikEmbedHostConfig', () => {
  it('gives the provider’s instance’s host config, the same object on every render', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    const authType = uniqueName();
    const { result, rerender } = renderHook(() => useQlikEmbedHostConfig({ authType }), {
      wrapper: inProvider(auth),
    });
    const first = result.current;
    expect(first).toEqual({ host: auth.origin, authType });
    rerender();
    expect(result.current).toBe(first);
    // The module it names hands qlik-embed the session's access token.
    await expect(scope[authType]!.getRestCallAuthParams()).resolves.toMatchObject({
      headers: { Authorization: `Bearer ${await auth.getToken()}` },
    });
  });

  it('keeps the object when only the onAuthFailed function changes, and calls the latest', () => {
    const { create } = setup();
    const auth = create();
    const authType = uniqueName();
    const calls: string[] = [];
    const { result, rerender } = renderHook(
      ({ label }: { label: string }) =>
        useQlikEmbedHostConfig({ authType, onAuthFailed: () => void calls.push(label) }),
      { wrapper: inProvider(auth), initialProps: { label: 'first' } },
    );
    const first = result.current;
    rerender({ label: 'second' });
    expect(result.current).toBe(first);
    first.onAuthFailed?.({ message: 'refused' });
    expect(calls).toEqual(['second']);
  });

  it('makes a new object for another instance', () => {
    const { create } = setup();
    const authType = uniqueName();
    const one = create();
    const other = create({ host: 'https://tenant.eu.qlikcloud.com' });
    const { result, rerender } = renderHook(
      ({ auth }: { auth: QlikAuth }) => useQlikEmbedHostConfig({ auth, authType }),
      { initialProps: { auth: one } },
    );
    const first = result.current;
    rerender({ auth: other });
    expect(result.current).not.toBe(first);
    expect(result.current.host).toBe('https://tenant.eu.qlikcloud.com');
  });
});
