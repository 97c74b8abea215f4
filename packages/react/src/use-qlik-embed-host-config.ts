import { useMemo, useRef } from 'react';
import type { QlikAuth } from '@qlik-auth/core';
import {
  qlikEmbedHostConfig,
  type QlikEmbedHostConfig,
  type QlikEmbedHostConfigOptions,
} from '@qlik-auth/core/qlik-embed';
import { useAuthInstance } from './context.js';

/** Options of {@link useQlikEmbedHostConfig}. */
export interface QlikEmbedHostConfigHookOptions<
  A extends string = 'qlik-auth',
> extends QlikEmbedHostConfigOptions<A> {
  /** An instance to use instead of the provider's. */
  auth?: QlikAuth;
}

/**
 * The qlik-embed host config of the provider's instance (`qlikEmbedHostConfig` of
 * `@qlik-auth/core/qlik-embed`): qlik-embed takes every token from the session, renews it once
 * after a 401, and sends nothing once signed out. The same object for as long as the instance
 * and the options' values stay (a new `onAuthFailed` function does not make a new one), so
 * `@qlik/embed-react` does not reload its runtime on every render.
 * @param options - the auth type's name, Qlik's own host config options, an explicit instance
 * @returns the host config, for `<QlikEmbedConfig.Provider value={...}>`
 */
export function useQlikEmbedHostConfig(
  options?: QlikEmbedHostConfigHookOptions,
): QlikEmbedHostConfig;
/**
 * The same with an auth type of your own name, which the host config's type carries.
 * @param options - the auth type's name, Qlik's own host config options, an explicit instance
 * @returns the host config, typed with the auth type's name
 */
export function useQlikEmbedHostConfig<A extends string>(
  options: QlikEmbedHostConfigHookOptions<A> & { authType: A },
): QlikEmbedHostConfig<A>;
export function useQlikEmbedHostConfig<A extends string = 'qlik-auth'>(
  options: QlikEmbedHostConfigHookOptions<A> = {},
): QlikEmbedHostConfig<A> {
  const { auth: explicit, authType, embedRuntimeUrl, runtimeModuleMocks, onAuthFailed } = options;
  const auth = useAuthInstance(explicit);
  // The latest callback, read when qlik-embed calls it: the config need not change with it.
  const latest = useRef(onAuthFailed);
  latest.current = onAuthFailed;
  const hasCallback = onAuthFailed !== undefined;
  return useMemo(
    () =>
      qlikEmbedHostConfig(auth, {
        authType: (authType ?? 'qlik-auth') as A,
        ...(embedRuntimeUrl !== undefined ? { embedRuntimeUrl } : {}),
        ...(runtimeModuleMocks !== undefined ? { runtimeModuleMocks } : {}),
        ...(hasCallback ? { onAuthFailed: (error) => latest.current?.(error) } : {}),
      }),
    [auth, authType, embedRuntimeUrl, runtimeModuleMocks, hasCallback],
  );
}
