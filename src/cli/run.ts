import '../runtime-check.js';
import { type Config, ConfigError, loadConfig } from '../config.js';

/** The environment's configuration, or a one-line message and exit 1 (no stack for a typo). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
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
