// The contract suite of ../client-types.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../client-types.test.js';
