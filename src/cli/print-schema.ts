import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHED_FILES, publishSchema } from '../publish.js';

/** `npm run schema:print`: writes the published schema files at the top of the repository. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const published = publishSchema();
for (const [kind, file] of Object.entries(PUBLISHED_FILES) as Array<[keyof typeof PUBLISHED_FILES, string]>) {
  const target = path.join(root, file);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  fs.writeFileSync(target, published[kind]);
  process.stdout.write(`${before === published[kind] ? 'unchanged' : 'wrote'} ${file}\n`);
}
