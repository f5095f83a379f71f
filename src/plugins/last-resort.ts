import type { Plugin } from 'graphql-yoga';
import { MASKED_ERROR } from '../errors.js';
import type { Logger } from '../logger.js';

type Handler = (request: Request, context: unknown) => Response | Promise<Response>;

/** What a client gets for a failure nothing else answered: the masked error's shape and code. */
const BODY = JSON.stringify({ errors: [MASKED_ERROR] });

/**
 * The answer when handling a request throws outside execution (a hook failing in parsing or in
 * result processing), where Yoga's maskedErrors does not reach. whatwg-node's own answer then is a
 * 500 whose body is the error's stack, in production too, without the headers the response hooks
 * add (request id, no-store, nosniff). This wraps Yoga's handler, once and not per request, so
 * such a failure is logged and answered as JSON with `INTERNAL_SERVER_ERROR`, and every response
 * hook still runs on the answer.
 */
export function useLastResortErrors(logger: Logger): Plugin {
  let inner: Handler | undefined;
  let wrapped: Handler | undefined;
  return {
    onRequest({ requestHandler, setRequestHandler, fetchAPI }) {
      if (requestHandler !== inner) {
        const handler = requestHandler as Handler;
        const answer = (err: unknown) => {
          logger.error('unexpected error outside execution', { err });
          return new fetchAPI.Response(BODY, {
            status: 500,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          });
        };
        inner = handler;
        wrapped = (request, context) => {
          try {
            const response = handler(request, context);
            // A promise, or one of whatwg-node's synchronous stand-ins for one: both have then().
            return typeof (response as Promise<Response>)?.then === 'function'
              ? (response as Promise<Response>).then(undefined, answer)
              : response;
          } catch (err) {
            return answer(err);
          }
        };
      }
      setRequestHandler(wrapped as never);
    },
  };
}
