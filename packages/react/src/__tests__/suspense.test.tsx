import { render, screen } from '@testing-library/react';
import { StrictMode, Suspense } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { QlikAuthProvider, useQlikToken, type QlikTokenOptions } from '../index.js';
import { claims, ErrorBoundary, settle, setup } from './helpers.js';

/** Renders only with a token in hand: `suspense: true` promises one. */
function Suspended({ label, ...options }: QlikTokenOptions & { label: string }) {
  const { token, status } = useQlikToken({ ...options, suspense: true });
  return <p data-testid={label} data-token={token}>{`${label} ${status}`}</p>;
}

describe('useQlikToken({ suspense: true })', () => {
  it('suspends while the stored session is restored, then renders with the token', async () => {
    const { create, signedInBefore } = setup();
    await signedInBefore();
    const auth = create();
    render(
      <StrictMode>
        <QlikAuthProvider auth={auth}>
          <Suspense fallback={<p>waiting for a token</p>}>
            <Suspended label="access" />
          </Suspense>
        </QlikAuthProvider>
      </StrictMode>,
    );
    expect(screen.getByText('waiting for a token')).toBeTruthy();
    expect(await screen.findByText('access signedIn')).toBeTruthy();
    expect(screen.getByTestId('access').dataset.token).toBe(await auth.getToken());
  });

  it('lets every suspended reader of a purpose wait on one pending request', async () => {
    const { create, signedInBefore, tenant } = setup();
    await signedInBefore();
    render(
      <QlikAuthProvider auth={create()}>
        <ErrorBoundary>
          <Suspense fallback={<p>waiting</p>}>
            <Suspended label="one" purpose="websocket" />
            <Suspended label="two" purpose="websocket" />
          </Suspense>
        </ErrorBoundary>
      </QlikAuthProvider>,
    );
    expect(await screen.findByText('one signedIn')).toBeTruthy();
    const one = screen.getByTestId('one').dataset.token!;
    expect(claims(one).purpose).toBe('websocket');
    expect(screen.getByTestId('two').dataset.token).toBe(one);
    await settle();
    expect(tenant.grants('urn:ietf:params:oauth:grant-type:token-exchange')).toHaveLength(1);
  });

  it('throws not_signed_in to the error boundary when there is no session', async () => {
    const { create } = setup();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      render(
        <QlikAuthProvider auth={create()}>
          <ErrorBoundary>
            <Suspense fallback={<p>waiting</p>}>
              <Suspended label="access" />
            </Suspense>
          </ErrorBoundary>
        </QlikAuthProvider>,
      );
      expect((await screen.findByTestId('boundary')).textContent).toBe('not_signed_in');
    } finally {
      quiet.mockRestore();
    }
  });

  it('throws the reason a sign-in failed, not a generic one', async () => {
    const { create, arriveFromLogin } = setup();
    await arriveFromLogin({ deny: true });
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      render(
        <QlikAuthProvider auth={create()}>
          <ErrorBoundary>
            <Suspense fallback={<p>waiting</p>}>
              <Suspended label="access" />
            </Suspense>
          </ErrorBoundary>
        </QlikAuthProvider>,
      );
      expect((await screen.findByTestId('boundary')).textContent).toBe('authorization_error');
    } finally {
      quiet.mockRestore();
    }
  });
});
