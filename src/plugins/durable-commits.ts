import type { Plugin } from 'graphql-yoga';
import type { DurableCommits } from '../db/durable-commits.js';

/**
 * Every request runs in its own commit scope, and its answer leaves only once what it committed
 * is on disk (src/db/durable-commits.ts). Yoga's request instrumentation wraps the whole request,
 * its onResponse hooks included, so the scope is still current there; onResponse hooks may return
 * a promise, which the server awaits before it sends anything. Listed first, so that the request
 * log line's duration includes the wait. Requests that committed nothing wait for nothing.
 *
 * Only HTTP: the WebSocket carries subscriptions alone (src/ws/server.ts refuses the rest), and
 * a subscription commits nothing.
 */
export function useDurableCommits(commits: DurableCommits): Plugin {
  return {
    instrumentation: {
      request: (_payload, wrapped) => commits.run(wrapped),
    },
    onResponse: () => commits.settle(),
  };
}
