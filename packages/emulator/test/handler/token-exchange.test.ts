// The contract suite of ../token-exchange.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../token-exchange.test.js';
