// @qlik-auth/core alone: a new instance on a freshly loaded page, its first getToken() restoring
// the sealed session from IndexedDB (no network request).
import { createQlikAuth } from '@qlik-auth/core';
import { fail, report } from './report.js';

createQlikAuth(window.benchConfig).getToken().then(report, fail);
