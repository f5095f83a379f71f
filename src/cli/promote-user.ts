import { openDatabase } from '../db/data-source.js';
import { normalizeEmail } from '../users/validation.js';
import { UserStore } from '../db/user-store.js';
import type { Role } from '../db/entities/user.js';
import { loadConfigOrExit, runCli } from './run.js';

/**
 * npm run user:promote -- <email> [--role ADMIN|USER]
 * Sets an existing account's role on the database DATABASE_URL names. The account's existing
 * tokens stop working (their role claim is stale); it signs in again to get an ADMIN token.
 */
async function main(argv: string[]): Promise<number> {
  const roleIdx = argv.indexOf('--role');
  const role = (roleIdx >= 0 ? argv[roleIdx + 1] : 'ADMIN')?.toUpperCase();
  const email = argv.find((a, i) => !a.startsWith('--') && (roleIdx < 0 || i !== roleIdx + 1));
  if (!email || (role !== 'ADMIN' && role !== 'USER')) {
    process.stderr.write('usage: npm run user:promote -- <email> [--role ADMIN|USER]\n');
    return 2;
  }
  const config = loadConfigOrExit();
  const dataSource = await openDatabase(config.database, { migrate: config.migrateOnStart });
  try {
    const users = new UserStore(dataSource);
    const user = await users.findByEmail(normalizeEmail(email));
    if (!user) {
      process.stderr.write(`No account with email ${normalizeEmail(email)}\n`);
      return 1;
    }
    if (user.role === role) {
      process.stdout.write(`${user.email} is already ${role}\n`);
      return 0;
    }
    await users.update(user.id, { role: role as Role, bumpTokenVersion: true });
    process.stdout.write(`${user.email} is now ${role}; their earlier tokens no longer work, so they sign in again.\n`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

runCli(main);
