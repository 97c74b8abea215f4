// The contract suite of ../confidential-grants.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../confidential-grants.test.js';
