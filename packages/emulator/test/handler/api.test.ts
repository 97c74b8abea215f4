// The contract suite of ../api.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../api.test.js';
