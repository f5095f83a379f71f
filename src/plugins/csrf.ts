import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { csrfHeaderRequired } from '../errors.js';

/** The headers a cross-site page cannot send without a CORS preflight; any one will do. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-require-preflight', 'apollo-require-preflight'];

/**
 * Yoga's CSRF prevention: a request a browser could send cross-site without a preflight (a GET,
 * or a form/text POST) must carry one of CSRF_HEADERS. The plugin's refusal has no code and a
 * terse message, so its hook runs inside this one and whatever it throws becomes our
 * CSRF_HEADER_REQUIRED: recognised by where it came from, not by its text.
 */
export function useCsrfPrevention(): Plugin {
  const inner = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        return inner.onRequestParse?.(payload);
      } catch (e) {
        if (e instanceof GraphQLError) throw csrfHeaderRequired();
        throw e;
      }
    },
  };
}
