// The contract suite of ../qlik-clients-http.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../qlik-clients-http.test.js';
