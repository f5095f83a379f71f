import type { QueryResolvers } from '../generated/graphql.js';
import { assertPageSize, decodeCursor, encodeCursor } from './pagination.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, { caller }) => caller.user,

  user: async (_parent, { id }, { services }) => services.users.findById(id),

  users: async (_parent, { first, after }, { services }) => {
    assertPageSize(first);
    const afterId = after == null ? null : decodeCursor(after);
    const [{ users, hasNextPage }, totalCount] = await Promise.all([
      services.users.page(first, afterId),
      services.users.count(),
    ]);
    const edges = users.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      nodes: users,
      totalCount,
      pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  },
};
