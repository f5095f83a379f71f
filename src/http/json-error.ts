/** A request refused before GraphQL runs, in the same JSON error shape as every other error. */
export function jsonError(
  fetchAPI: { Response: typeof Response },
  status: number,
  message: string,
  code: string,
): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
