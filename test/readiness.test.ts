import { describe, expect, it } from 'vitest';
import { createTestApp } from './helpers/app.js';

describe('GET /ready', () => {
  it('is 200 while the database answers and 503 once it does not; /health stays 200', async () => {
    const app = await createTestApp();
    try {
      expect((await app.yoga.fetch('http://localhost/ready')).status).toBe(200);
      expect((await app.yoga.fetch('http://localhost/health')).status).toBe(200);
      // Only the exact path: GraphQL still answers on /graphql.
      const gql = await app.gql('{ __typename }');
      expect(gql.body.data).toEqual({ __typename: 'Query' });
      await app.dataSource.destroy();
      expect((await app.yoga.fetch('http://localhost/ready')).status).toBe(503);
      expect((await app.yoga.fetch('http://localhost/health')).status).toBe(200);
    } finally {
      if (app.dataSource.isInitialized) await app.dataSource.destroy();
    }
  });
});
