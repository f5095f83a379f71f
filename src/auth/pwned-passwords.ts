import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';

/**
 * The optional breach check: a Pwned Passwords compatible range API (k-anonymity). Only the first
 * five hex digits of the password's SHA-1 leave the server (`GET <url>/range/ABCDE`); the service
 * answers every suffix it knows under that prefix (`SUFFIX:COUNT` lines), padded so the answer's
 * size says nothing either, and the match is made here.
 *
 * Fail-open: when the service is slow or down, signing up must not stop; the password is let
 * through with a warning in the log.
 */
export interface BreachedPasswords {
  /** True when the service knows the password from a breach; false when not, or unreachable. */
  isBreached(password: string): Promise<boolean>;
}

export function createBreachedPasswords(opts: {
  url: string | undefined;
  timeoutMs: number;
  logger: Logger;
}): BreachedPasswords {
  const base = opts.url?.replace(/\/+$/, '');
  if (!base) return { isBreached: async () => false };
  return {
    async isBreached(password) {
      const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      const prefix = sha1.slice(0, 5);
      const suffix = sha1.slice(5);
      try {
        const res = await fetch(`${base}/range/${prefix}`, {
          headers: { 'add-padding': 'true', 'user-agent': 'graphql-auth-api' },
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        for (const line of (await res.text()).split('\n')) {
          const [s, count] = line.trim().split(':');
          // Padding entries have a count of 0.
          if (s?.toUpperCase() === suffix) return Number(count) > 0;
        }
        return false;
      } catch (e) {
        opts.logger.warn('pwned passwords check failed: letting the password through', {
          err: e instanceof Error ? e.message : String(e),
        });
        return false;
      }
    },
  };
}
