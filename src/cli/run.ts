import '../runtime-check.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { withEnvFile } from '../settings/env-file.js';

/**
 * The configuration of the environment (and `.env`, when present), or a message naming every bad
 * setting and exit 1 (no stack for a typo).
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(withEnvFile(process.env).env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Runs a command's main and exits with its code; a failure prints its message, not a stack. */
export function runCli(main: (argv: string[]) => Promise<number>, failure = 'Failed'): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${failure}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
