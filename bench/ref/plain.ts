/**
 * Reference 1: plain Yoga on the same schema, no authentication at all (`me` returns a fixed user).
 * The ceiling any authenticated Yoga server on this schema can hope for.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { createYoga } from 'graphql-yoga';
import { listen, typeDefs } from './common.js';

const user = { id: '00000000-0000-7000-8000-000000000000', name: 'Bench', email: 'bench@example.com', role: 'USER' };

const schema = makeExecutableSchema({
  typeDefs,
  resolvers: { Query: { me: () => user } },
});

listen(
  createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: false,
    logging: false,
  }),
);
