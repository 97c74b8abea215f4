// Signs in once against the emulator (autoApprove), so that the core page has a session to restore.
import { createQlikAuth } from '@qlik-auth/core';

window.signIn = async (client) => {
  const auth = createQlikAuth({ ...window.benchConfig, ...client });
  if (new URL(location.href).searchParams.has('code')) {
    await auth.handleRedirectCallback();
    return auth.getSnapshot().status;
  }
  await auth.signIn();
  return 'redirecting';
};
