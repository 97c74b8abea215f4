// The contract suite of ../framing.test.ts, every HTTP request answered by tenant.fetch (no socket).
import '../use-handler.js';
import '../framing.test.js';
