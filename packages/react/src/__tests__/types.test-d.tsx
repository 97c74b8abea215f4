import type { ReactNode } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import {
  QlikAuthProvider,
  RequireQlikAuth,
  useQlikAuth,
  useQlikToken,
  type AuthStatus,
  type CallbackResult,
  type QlikSignInOptions,
  type QlikAuth,
  type QlikAuthError,
  type QlikAuthProviderProps,
} from '../index.js';

declare const auth: QlikAuth;

describe('types', () => {
  it('promises a token with suspense, and maybe one without', () => {
    expectTypeOf(useQlikToken({ suspense: true }).token).toEqualTypeOf<string>();
    expectTypeOf(useQlikToken().token).toEqualTypeOf<string | undefined>();
    expectTypeOf(useQlikToken({ purpose: 'websocket' }).error).toEqualTypeOf<
      QlikAuthError | undefined
    >();
    // @ts-expect-error purposes are access, websocket and webresource
    useQlikToken({ purpose: 'refresh' });
  });

  it('gives the snapshot with the operations of the instance', () => {
    const value = useQlikAuth();
    expectTypeOf(value.status).toEqualTypeOf<AuthStatus>();
    expectTypeOf(value.auth).toEqualTypeOf<QlikAuth>();
    expectTypeOf(value.signIn).parameter(0).toEqualTypeOf<QlikSignInOptions | undefined>();
    expectTypeOf(value.signIn({ popup: true })).resolves.toEqualTypeOf<CallbackResult | void>();
    expectTypeOf(useQlikAuth(auth).expiresAt).toEqualTypeOf<number | undefined>();
  });

  it('takes an instance or the options of createQlikAuth, not neither', () => {
    expectTypeOf<{ auth: QlikAuth }>().toExtend<QlikAuthProviderProps>();
    expectTypeOf<{ host: string; clientId: string }>().toExtend<QlikAuthProviderProps>();
    expectTypeOf<{ host: string }>().not.toExtend<QlikAuthProviderProps>();
    expectTypeOf<{ children: ReactNode }>().not.toExtend<QlikAuthProviderProps>();
    expectTypeOf(QlikAuthProvider).returns.not.toBeAny();
  });

  it('hands onError the typed error and a retry', () => {
    expectTypeOf(RequireQlikAuth)
      .parameter(0)
      .toHaveProperty('onError')
      .toEqualTypeOf<((error: QlikAuthError, retry: () => void) => ReactNode) | undefined>();
  });
});
