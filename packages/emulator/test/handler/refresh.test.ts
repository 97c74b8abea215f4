// The contract suite of ../refresh.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../refresh.test.js';
