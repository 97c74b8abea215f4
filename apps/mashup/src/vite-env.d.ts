/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_QLIK_HOST?: string;
  readonly VITE_QLIK_CLIENT_ID?: string;
  readonly VITE_QLIK_REDIRECT_URI?: string;
  readonly VITE_QLIK_SCOPES?: string;
  readonly VITE_QLIK_EMBED_APP_ID?: string;
  readonly VITE_QLIK_EMBED_OBJECT_ID?: string;
}
