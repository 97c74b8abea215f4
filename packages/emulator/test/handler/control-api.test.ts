// The contract suite of ../control-api.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../control-api.test.js';
