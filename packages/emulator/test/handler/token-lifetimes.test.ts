// The contract suite of ../token-lifetimes.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../token-lifetimes.test.js';
