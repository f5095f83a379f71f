import fs from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from './load.js';

/**
 * The process environment over the variables of ENV_FILE (default `.env` in the working folder)
 * when that file exists: a variable set in the environment always wins, as with Node's
 * `--env-file-if-exists`. Parsed with Node's own dotenv parser (`util.parseEnv`), and returned
 * rather than written into `process.env`, so nothing else sees variables it did not ask for.
 */
export function withEnvFile(env: Env): { env: Env; file: string | undefined } {
  const file = env.ENV_FILE?.trim() || '.env';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { env, file: undefined };
    throw e;
  }
  return { env: { ...parseEnv(text), ...env }, file };
}
