// The contract suite of ../cors.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../cors.test.js';
