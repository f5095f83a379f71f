/** What both reference servers share: the project's own SDL (schema/*.graphql) and a plain listener. */
import { createServer } from 'node:http';
import type { createYoga } from 'graphql-yoga';
import { loadTypeDefs } from '../../src/schema.js';

export const typeDefs = loadTypeDefs();

export function listen(yoga: ReturnType<typeof createYoga<any, any>>): void {
  const server = createServer(yoga);
  server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
