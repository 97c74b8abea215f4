// The contract suite of ../revoke.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../revoke.test.js';
