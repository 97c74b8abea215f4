import { parseUrl } from './options.js';

/**
 * Makes a post-sign-in destination safe to navigate to: a path on the app's own origin, or `/`.
 * Parsing with the WHATWG URL parser (not string tests) catches the tricks an open redirect relies
 * on: `//evil`, `/\evil` (a backslash is a slash in http URLs), tabs and newlines inside the
 * scheme, `javascript:` and other schemes, and absolute URLs on other origins.
 */
export function safeReturnTo(value: unknown, appOrigin: string): string {
  const url = typeof value === 'string' ? parseUrl(value, appOrigin) : undefined;
  if (url?.origin !== appOrigin) return '/';
  const path = url.pathname + url.search + url.hash;
  // `https://app//evil` has the app's origin but the path `//evil`, which is another origin again.
  return path.startsWith('//') ? '/' : path;
}
