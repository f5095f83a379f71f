import { badUserInput } from '../errors.js';

export const USERS_PAGE_MAX = 100;

/**
 * Cursors are opaque to clients so the ordering key can change without breaking them. Each list
 * has its own prefix, so a cursor from one list is refused by another rather than misread.
 */
export function keysetCursor(kind: string) {
  const prefix = `${kind}:`;
  return {
    encode: (id: string): string => Buffer.from(`${prefix}${id}`).toString('base64url'),
    decode(cursor: string): string {
      const raw = cursor.length <= 128 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
      if (!raw.startsWith(prefix) || raw.length === prefix.length) throw badUserInput('Invalid cursor', 'after');
      return raw.slice(prefix.length);
    },
  };
}

const userCursor = keysetCursor('user');
export const encodeCursor = userCursor.encode;
export const decodeCursor = userCursor.decode;

/** `first` of a connection: a whole number from 1 to `max`, or BAD_USER_INPUT. */
export function assertPageSize(first: number, max = USERS_PAGE_MAX): void {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badUserInput(`first must be from 1 to ${max}`, 'first');
  }
}
