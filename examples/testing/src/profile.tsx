import { useEffect, useState } from 'react';
import { useQlikAuth } from '@qlik-auth/react';

/** Who is signed in, by name (from the tenant's `/api/v1/users/me`), or a way back in. */
export function Profile() {
  const { status, auth, signIn } = useQlikAuth();
  const [name, setName] = useState<string>();
  useEffect(() => {
    if (status !== 'signedIn') return;
    let current = true;
    void auth
      .fetch('/api/v1/users/me')
      .then((response) => (response.ok ? response.json() : undefined))
      .then((me: { name?: string } | undefined) => current && setName(me?.name))
      .catch(() => {});
    return () => void (current = false);
  }, [status, auth]);

  if (status === 'signedOut') {
    return <button onClick={() => void signIn()}>Your session has ended. Sign in again</button>;
  }
  if (status === 'loading' || !name) return <p>Loading…</p>;
  return <p>Signed in as {name}</p>;
}
