'use strict';
// The built addon, or null where it could not be built (no C compiler at install time, or not
// Linux): the server then lowers its thread pool with nice alone (src/thread-pool-priority.ts).
let addon = null;
try {
  addon = require('./build/Release/thread_idle_policy.node');
} catch {
  addon = null;
}
module.exports = addon;
