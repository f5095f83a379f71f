import { CreateUsers1732400000000 } from './1732400000000-create-users.js';
import { CreateRefreshTokens1732500000000 } from './1732500000000-create-refresh-tokens.js';

/** Every migration, oldest first. Listed by hand (not a glob) so tsx, vitest and tsc builds all find them. */
export const migrations = [CreateUsers1732400000000, CreateRefreshTokens1732500000000];
