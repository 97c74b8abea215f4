// The contract suite of ../well-known.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../well-known.test.js';
