import { createServer, type Server } from 'node:http';

/**
 * A blank page on a real loopback server, standing in for an app on a registered origin.
 * A route fulfilled by Playwright would not do: Chromium's Local Network Access then treats the
 * page as public and refuses its requests to the emulator on loopback.
 */
export async function startStaticApp(
  port: number,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><p>app</p>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
