// Imported first by the files in test/handler/: the suite they import then reaches its tenant
// through tenant.fetch instead of HTTP.
import { useTransport } from './helpers.js';

useTransport('handler');
