// A page that imports @qlik-auth/core and never creates an instance: what importing alone costs.
import { createQlikAuth } from '@qlik-auth/core';
import { report } from './report.js';

// Kept, so that the bundler keeps the core (an app would call it later, on some route).
window.createQlikAuth = createQlikAuth;
report(typeof createQlikAuth);
