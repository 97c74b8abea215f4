import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createQlikAuth, QlikAuthProvider } from '@qlik-auth/react';
import { App } from './App.js';
import { config } from './config.js';
import { ErrorLogProvider } from './errors.js';
import { go } from './route.js';
import { connectQlikApi } from './tenant.js';
import './styles.css';

// One instance for the page; the provider finishes the sign-in when the tenant redirects back.
const auth = createQlikAuth(config);
// @qlik/api (the user, the apps, the engine) runs on this instance's session.
connectQlikApi(auth);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QlikAuthProvider
      auth={auth}
      onRedirectCallback={({ returnTo }) => go(returnTo ?? '/', { replace: true })}
    >
      <ErrorLogProvider>
        <App />
      </ErrorLogProvider>
    </QlikAuthProvider>
  </StrictMode>,
);
