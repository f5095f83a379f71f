import { loadConfigOrExit, runCli } from './run.js';
import { openDatabase } from '../db/data-source.js';

/**
 * npm run migrate            apply pending migrations to DATABASE_URL
 * npm run migrate -- --status list applied and pending migrations
 * npm run migrate -- --revert undo the latest migration
 */
async function main(argv: string[]): Promise<number> {
  const config = loadConfigOrExit();
  const ds = await openDatabase(config.database, { migrate: false });
  try {
    if (argv.includes('--status')) {
      const pending = await ds.showMigrations();
      const applied: Array<{ name: string }> = await ds
        .query('SELECT name FROM migrations ORDER BY id')
        .catch(() => []);
      for (const m of applied) process.stdout.write(`applied  ${m.name}\n`);
      process.stdout.write(pending ? 'pending migrations exist: run npm run migrate\n' : 'up to date\n');
      return 0;
    }
    if (argv.includes('--revert')) {
      await ds.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the latest migration\n');
      return 0;
    }
    const ran = await ds.runMigrations({ transaction: 'each' });
    process.stdout.write(ran.length ? ran.map((m) => `applied  ${m.name}\n`).join('') : 'up to date\n');
    return 0;
  } finally {
    await ds.destroy();
  }
}

runCli(main, 'Migration failed');
