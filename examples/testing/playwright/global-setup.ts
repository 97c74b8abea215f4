import { startEmulator } from '@qlik-auth/emulator';

/** The app under test: its client id and origin, registered on the emulated tenant. */
const APP = { clientId: 'my-app', origin: 'http://localhost:5173' };

/**
 * Starts an emulated Qlik Cloud tenant for the whole run on a free port (`port: 0`), so that
 * runs in parallel never collide, and hands its URL to the tests (and to a `webServer` app)
 * through the environment. The returned function stops it after the run.
 */
export default async function globalSetup() {
  const emulator = await startEmulator({
    port: 0,
    config: {
      clients: [
        {
          clientId: APP.clientId,
          appType: 'spa',
          redirectUris: [`${APP.origin}/callback`],
          allowedOrigins: [APP.origin],
        },
      ],
      users: [
        { id: 'ada', subject: 'emulator|ada', name: 'Ada Lovelace', email: 'ada@example.com' },
      ],
    },
  });
  process.env.QLIK_EMULATOR_URL = emulator.url;
  return () => emulator.close();
}
