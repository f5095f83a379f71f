import { openDatabase } from '../db/data-source.js';
import { MfaStore } from '../db/mfa-store.js';
import { UserStore } from '../db/user-store.js';
import { normalizeEmail } from '../users/validation.js';
import { loadConfigOrExit, runCli } from './run.js';

/**
 * npm run user:reset-totp -- <email>
 * Turns an account's two-factor sign-in off and deletes its recovery codes, on the database
 * DATABASE_URL names: the operator's way back for a user who lost both their authenticator and
 * their recovery codes, when no administrator account can use `resetUserTotp`. Check who is
 * asking first (out of band): this is exactly what an attacker with a stolen password wants.
 */
async function main(argv: string[]): Promise<number> {
  const email = argv.find((a) => !a.startsWith('--'));
  if (!email) {
    process.stderr.write('usage: npm run user:reset-totp -- <email>\n');
    return 2;
  }
  const config = loadConfigOrExit();
  const dataSource = await openDatabase(config.database, { migrate: config.migrateOnStart });
  try {
    const user = await new UserStore(dataSource).findByEmail(normalizeEmail(email));
    if (!user) {
      process.stderr.write(`No account with email ${normalizeEmail(email)}\n`);
      return 1;
    }
    const removed = await new MfaStore(dataSource).remove(user.id);
    process.stdout.write(
      removed
        ? `${user.email}: two-factor sign-in is off and its recovery codes are gone; the password alone signs in now.\n`
        : `${user.email} had no two-factor sign-in set up.\n`,
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

runCli(main);
