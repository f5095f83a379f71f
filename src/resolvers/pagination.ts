import { badUserInput } from '../errors.js';

export const USERS_PAGE_MAX = 100;
const PREFIX = 'user:';

/** Cursors are opaque to clients so the ordering key can change without breaking them. */
export function encodeCursor(id: string): string {
  return Buffer.from(`${PREFIX}${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = cursor.length <= 128 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!raw.startsWith(PREFIX) || raw.length === PREFIX.length) throw badUserInput('Invalid cursor', 'after');
  return raw.slice(PREFIX.length);
}
