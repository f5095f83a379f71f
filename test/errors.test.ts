import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createTestApp } from './helpers/app.js';

describe('unexpected failures', () => {
  it('are masked: no SQL, no stack, no driver message; logged on the server instead', async () => {
    const lines: string[] = [];
    const app = await createTestApp(
      {},
      { logger: createLogger({ level: 'error', json: true, write: (l) => lines.push(l) }) },
    );
    try {
      const { id } = await app.signup();
      await app.dataSource.destroy(); // the database goes away under the server
      const res = await app.gql('query($id: ID!) { user(id: $id) { id } }', { id });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { user: null },
        errors: [
          {
            message: 'Unexpected error.',
            path: ['user'],
            locations: [{ line: 1, column: 19 }],
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      });
      expect(lines.some((l) => JSON.parse(l).msg === 'unexpected error')).toBe(true);
      // The server is still up: a request that needs no database works.
      expect((await app.gql('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await app.close(); // drops its PostgreSQL database too
    }
  });
});
