// The contract suite of ../login-sessions.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../login-sessions.test.js';
