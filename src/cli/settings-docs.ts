import fs from 'node:fs';
import { settings } from '../config.js';
import { envExample, withSettingsTable } from '../settings/docs.js';
import { runCli } from './run.js';

/**
 * `npm run settings:docs`: writes README.md's settings table and .env.example from the settings
 * schema. With --check, writes nothing and fails when either is out of date.
 */
runCli(async (argv) => {
  const check = argv.includes('--check');
  const wanted = {
    'README.md': withSettingsTable(fs.readFileSync('README.md', 'utf8'), settings),
    '.env.example': envExample(settings),
  };
  let stale = 0;
  for (const [file, text] of Object.entries(wanted)) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current === text) continue;
    stale += 1;
    if (check) process.stderr.write(`${file} is out of date: run npm run settings:docs\n`);
    else fs.writeFileSync(file, text);
  }
  return check && stale > 0 ? 1 : 0;
}, 'settings:docs failed');
