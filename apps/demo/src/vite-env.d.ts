/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_QLIK_HOST?: string;
  readonly VITE_QLIK_CLIENT_ID?: string;
  readonly VITE_QLIK_REDIRECT_URI?: string;
  readonly VITE_QLIK_SCOPES?: string;
}
