// The contract suite of ../bad-input.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../bad-input.test.js';
