import type { AppConfig } from '../config/config.js';

/** A deterministic SVG thumbnail for an app: a colour from its id and its initials. */
export function thumbnailSvg(app: AppConfig): string {
  let hash = 0;
  for (const char of app.id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  const initials = app.name
    .split(/\s+/)
    .map((word) => word[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},65%,45%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},70%,30%)"/></linearGradient></defs>
<rect width="320" height="180" fill="url(#g)"/><text x="160" y="108" font-family="system-ui,sans-serif" font-size="56" font-weight="700" text-anchor="middle" fill="#fff">${initials}</text></svg>`;
}
