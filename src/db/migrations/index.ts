import { CreateUsers1732400000000 } from './1732400000000-create-users.js';
import { CreateRefreshTokens1732500000000 } from './1732500000000-create-refresh-tokens.js';
import { IndexUsersCreatedAt1764000000000 } from './1764000000000-index-users-created-at.js';
import { AccountTokens1765000000000 } from './1765000000000-account-tokens.js';
import { CreateSecondFactor1765100000000 } from './1765100000000-create-second-factor.js';
import { CreateSessions1765200000000 } from './1765200000000-create-sessions.js';
import { CreateSecurityEvents1765200000001 } from './1765200000001-create-security-events.js';
import { CreatePasskeys1765300000000 } from './1765300000000-create-passkeys.js';

/** Every migration, oldest first. Listed by hand (not a glob) so tsx, vitest and tsc builds all find them. */
export const migrations = [
  CreateUsers1732400000000,
  CreateRefreshTokens1732500000000,
  IndexUsersCreatedAt1764000000000,
  AccountTokens1765000000000,
  CreateSecondFactor1765100000000,
  CreateSessions1765200000000,
  CreateSecurityEvents1765200000001,
  CreatePasskeys1765300000000,
];
