// The contract suite of ../token-authorization-code.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../token-authorization-code.test.js';
