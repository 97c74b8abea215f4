// @qlik-auth/core alone: a new instance on a freshly loaded page, its first getToken() restoring
// the sealed session from IndexedDB (no network request).
import { createQlikAuth } from '@qlik-auth/core';
import { fail, report } from './report.js';

// `benchClient`: the emulator's native client instead of its single-page app, on the same page.
createQlikAuth({ ...window.benchConfig, ...window.benchClient })
  .getToken()
  .then(report, fail);
