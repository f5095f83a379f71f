import { onExpiry } from '../auth/expiry.js';
import type { AuthedContext } from '../context.js';
import { unauthenticated } from '../errors.js';
import type { AccountEventMessage } from '../events.js';
import type { AccountEventResolvers, SubscriptionResolvers } from '../generated/graphql.js';
import { releasingWhenDone } from '../stream-limits.js';

/**
 * The caller's account events until the token that opened the stream stops being valid:
 * at its `exp`, or at the first event after which the token is no longer current.
 */
async function* accountEvents(ctx: AuthedContext): AsyncGenerator<{ accountEvents: AccountEventMessage }> {
  const { caller, services } = ctx;
  const source = services.events.subscribe('account', caller.id)[Symbol.asyncIterator]();
  let cancel = () => {};
  const expired = new Promise<'expired'>((resolve) => {
    cancel = onExpiry(caller.claims.exp, () => resolve('expired'));
  });
  try {
    for (;;) {
      const next = await Promise.race([source.next(), expired]);
      if (next === 'expired') throw unauthenticated('expired');
      if (next.done) return;
      // The same rule as every request's (src/auth/authenticate.ts): a deletion or revocation ends the
      // stream. Checked as the event arrives, not when the client pulls the next one: a revocation
      // that lands in between would otherwise end the stream before the event that announced it.
      const current = services.auth.recheck(caller).then(
        () => null,
        (e: unknown) => ({ e }),
      );
      yield { accountEvents: next.value };
      const problem = await current;
      if (problem) throw problem.e;
    }
  } finally {
    cancel();
    await source.return?.();
  }
}

export const Subscription: SubscriptionResolvers = {
  accountEvents: {
    subscribe: (_parent, _args, ctx) => {
      const { caller, services } = ctx as AuthedContext;
      // Before the stream opens: beyond the limits the client gets TOO_MANY_STREAMS, not a stream.
      const release = services.streams.acquire(caller.id);
      return releasingWhenDone(accountEvents(ctx as AuthedContext), release);
    },
  },
};

export const AccountEvent: AccountEventResolvers = {
  user: (event, _args, { services }) => (event.kind === 'DELETED' ? null : services.users.findById(event.userId)),
};
