/**
 * The request bodies this server takes: JSON, as Yoga parses it (application/json and the older
 * application/graphql+json). One list for the media-type check and for cookie mode, which relies
 * on the same fact: no cross-site page can send these without a CORS preflight.
 */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/graphql+json'];

/** The request's media type, lower-cased and without parameters; '' when absent. */
export function mediaTypeOf(request: Request): string {
  return request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
}

export function isJsonRequest(request: Request): boolean {
  return JSON_MEDIA_TYPES.includes(mediaTypeOf(request));
}
