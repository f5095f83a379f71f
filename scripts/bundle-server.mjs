/**
 * `npm run build`'s last step: replaces tsc's dist/start.js (the server that dist/main.js loads)
 * with one esbuild bundle of src/start.ts and the pure-JavaScript packages it imports.
 *
 * Why: start-up was mostly module loading. The server's graph is about 1,300 files (660 ES
 * modules, 630 CommonJS), and resolving, reading and linking them took 600-750 ms of a start of
 * 820-1,000 ms on a 2-core machine; as one file it takes about 300-450 (BENCHMARKS.md, round eight).
 * The code is what tests already run: tsx and vitest compile src/ with the same esbuild.
 *
 * The bundle lives at dist/start.js, where tsc put the file it replaces, so every path taken
 * from `import.meta.url` (the schema folder, GraphiQL's token keeper, native add-ons found with
 * createRequire) still resolves as before. dist/cli/ and the other files tsc wrote stay as they are.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'dist/start.js');

/**
 * Left to Node, each for a reason: native add-ons; packages that find files or optional
 * packages at run time (TypeORM's drivers, pino's transport workers, ws's optional add-ons,
 * rate-limiter-flexible's stores); and those loaded on first use (mail, passkeys, QR codes,
 * GraphiQL's page, metrics, Redis), which a bundle would compile at every start. None of them
 * imports graphql, so the bundle's copy is the only one (`instanceof GraphQLError` holds).
 */
const external = [
  'better-sqlite3',
  '@node-rs/argon2',
  'thread-idle-policy',
  'wal-index-header',
  'typeorm',
  'pg',
  'ioredis',
  'pino',
  'ws',
  'rate-limiter-flexible',
  'nodemailer',
  '@simplewebauthn/server',
  'qrcode',
  '@graphql-yoga/render-graphiql',
  'prom-client',
];

/**
 * graphql's ES build, for `graphql` and its deep imports alike. Node loads graphql's CommonJS
 * build (its package has no "exports", and Node ignores "module"); bundled as CommonJS, every
 * call into it from the ES packages (the executor, Yoga, Envelop) goes through a getter of
 * esbuild's CommonJS wrapper. As ES it is hoisted into the bundle's scope and called directly.
 * One mapping for every importer keeps it one copy.
 */
const graphqlAsEsm = {
  name: 'graphql-as-esm',
  setup(build) {
    const require = createRequire(path.join(root, 'package.json'));
    build.onResolve({ filter: /^graphql(\/.*)?$/ }, (args) => {
      const cjs = require.resolve(args.path);
      const esm = cjs.replace(/\.js$/, '.mjs');
      if (!fs.existsSync(esm)) throw new Error(`graphql has no ES build of ${args.path}`);
      return { path: esm };
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/start.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external,
  plugins: [graphqlAsEsm],
  // A package's "main" before its "module", so that each package resolves to the build Node
  // would load (graphql aside, above). A package whose "module" and deep imports reach different
  // builds would otherwise be bundled twice, as graphql was before the plugin.
  mainFields: ['main', 'module'],
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS code inside the bundle calls require() (for Node's built-ins and the externals).
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});

// The source map keeps our own files only. pino asks for its caller's stack when a logger is
// made, and --enable-source-maps then parses the whole map: with the packages in it (5.5 MB)
// that cost 200 ms of every start; without them, 30-50 ms. A frame inside a package shows its
// place in dist/start.js instead.
const mapFile = `${outfile}.map`;
const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
const packages = new Set(map.sources.flatMap((s, i) => (s.includes('node_modules/') ? [i] : [])));
map.mappings = encode(
  decode(map.mappings).map((line) => line.filter((seg) => seg.length === 1 || !packages.has(seg[1]))),
);
fs.writeFileSync(mapFile, JSON.stringify(map));

const inputs = Object.keys(result.metafile.inputs);
const graphqlErrors = inputs.filter((i) => /node_modules\/graphql\/error\/GraphQLError\./.test(i));
if (graphqlErrors.length !== 1) throw new Error(`graphql is bundled ${graphqlErrors.length} times: ${graphqlErrors}`);
const fromPackages = inputs.filter((i) => i.includes('node_modules/')).length;
process.stdout.write(
  `dist/start.js: ${inputs.length - fromPackages} of our files and ${fromPackages} from packages in one bundle\n`,
);
