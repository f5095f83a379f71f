/**
 * Refuses to run on a Node.js line that no longer gets security fixes. Imported first by every
 * entry point, so it runs before better-sqlite3 (whose Node-API build needs 22) is loaded.
 * `npm start` already runs the Node 26 that `npm install` put in node_modules/.bin; this catches
 * `node dist/main.js` started by hand with an old system Node.
 */
const [major = 0] = process.versions.node.split('.').map(Number);
const SUPPORTED = [22, 24, 26];

if (major < 22 || (major % 2 === 1 && major < 27)) {
  process.stderr.write(
    `Node.js ${process.versions.node} is not supported: use one of the LTS lines ${SUPPORTED.join(', ')}. ` +
      '`npm start` runs the Node 26 that `npm install` placed in node_modules/.bin; or run `nvm use` (see .nvmrc).\n',
  );
  process.exit(1);
}
