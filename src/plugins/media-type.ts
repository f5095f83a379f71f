import type { Plugin } from 'graphql-yoga';

// JSON only: a cross-site page can POST a form or text/plain without a CORS preflight, never JSON.
const ACCEPTED = ['application/json', 'application/graphql-response+json', 'application/graphql+json'];

/**
 * Yoga answers a POST body it cannot parse with a bare 415 and no body; clients deserve the
 * same JSON error shape as everything else, with a code they can act on.
 */
export function useMediaTypeErrors(endpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || url.pathname !== endpoint) return;
      const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
      if (ACCEPTED.includes(type)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `Unsupported Content-Type "${type || '(none)'}": send application/json`,
                extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
              },
            ],
          }),
          { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
  };
}
