'use strict';
// The built addon, or null where it could not be built (no C compiler at install time): the
// server then reads the header with pread(2) instead (src/db/commit-watch.ts).
let addon = null;
try {
  addon = require('./build/Release/wal_index_header.node');
} catch {
  addon = null;
}
module.exports = addon;
