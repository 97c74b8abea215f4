// The contract suite of ../authorize.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../authorize.test.js';
