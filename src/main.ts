/**
 * What `npm start` runs. The Node version check and the compile cache come first, and the server
 * (start.ts) only after them, in a dynamic import: an ES module's static imports are all compiled
 * before any of them runs, so a cache turned on by one of them missed every ES module of the
 * server (0 of 664; BENCHMARKS.md, round eight). Loaded after it, all of them hit.
 */
import './runtime-check.js';
import './compile-cache.js';

await import('./start.js');
