/**
 * What `npm start` runs. The Node version check and the compile cache come first, and the server
 * (start.ts; built, the bundle dist/start.js) only after them, in a dynamic import: an ES module's
 * static imports are all compiled before any of them runs, so a cache turned on by one of them
 * missed the server's code (0 of its 664 ES modules before the bundle; BENCHMARKS.md, round
 * eight). Loaded after it, the server's code hits the cache.
 */
import './runtime-check.js';
import './compile-cache.js';

await import('./start.js');
