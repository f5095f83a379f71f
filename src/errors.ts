import { GraphQLError } from 'graphql';

/**
 * The errors a client can act on, each with the contract's `extensions.code`.
 * Anything thrown that is not built here is masked by Yoga ("Unexpected error.").
 */

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'NOT_FOUND',
  /** Too many open subscription streams, for this account or for the server. */
  TOO_MANY_STREAMS: 'TOO_MANY_STREAMS',
  /** Production without SMTP_URL: this request needs a mail the server cannot send. */
  MAIL_DISABLED: 'MAIL_DISABLED',
  /** The mail server refused the mail or did not answer in time; nothing was changed. */
  MAIL_FAILED: 'MAIL_FAILED',
  MFA_REQUIRED: 'MFA_REQUIRED',
  /** Two-factor sign-in is not configured on this server (production without MFA_ENCRYPTION_KEY). */
  MFA_UNAVAILABLE: 'MFA_UNAVAILABLE',
  // Request errors: the HTTP request or the GraphQL document is refused before any resolver runs.
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  LENGTH_REQUIRED: 'LENGTH_REQUIRED',
  CSRF_HEADER_REQUIRED: 'CSRF_HEADER_REQUIRED',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** More than one credential in a request (two Authorization headers, or two joined by a comma). */
  AMBIGUOUS_CREDENTIALS: 'AMBIGUOUS_CREDENTIALS',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What Yoga's masking answers for anything unexpected; the last-resort answer (plugins/last-resort.ts) is the same. */
export const MASKED_ERROR = { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } } as const;

/** Why a token was refused; the client sees only the message, the logs see the reason. */
export type TokenProblem =
  | 'missing'
  | 'malformed_header'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'session_ended'
  | 'user_gone'
  | 'missing_refresh'
  | 'invalid_refresh';

const TOKEN_MESSAGES: Record<TokenProblem, string> = {
  missing: 'Authentication required: send Authorization: Bearer <token>',
  malformed_header: 'Malformed Authorization header: expected "Bearer <token>"',
  invalid: 'Invalid token',
  expired: 'Token expired',
  revoked: 'Token has been revoked',
  // Its session was signed out (logout, revokeSession, ...): to the client, the same as revoked.
  session_ended: 'Token has been revoked',
  user_gone: 'Invalid token',
  missing_refresh: 'No refresh token: sign in again',
  invalid_refresh: 'Invalid refresh token: sign in again',
};

export function unauthenticated(problem: TokenProblem | 'credentials' = 'missing'): GraphQLError {
  const message = problem === 'credentials' ? 'Invalid email or password' : TOKEN_MESSAGES[problem];
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, ...(problem === 'expired' ? { reason: 'TOKEN_EXPIRED' } : {}) },
  });
}

export function forbidden(message = 'You are not allowed to do this'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

/** `field` names the offending input so forms can show the message beside it. */
export function badUserInput(message: string, field?: string, reason?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}), ...(reason ? { reason } : {}) },
  });
}

export function rateLimited(retryAfterSeconds: number, message = 'Too many attempts, try again later'): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfter } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

export function tooManyStreams(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.TOO_MANY_STREAMS } });
}

export function csrfHeaderRequired(): GraphQLError {
  return new GraphQLError(
    'GET requests need an x-graphql-yoga-csrf (or apollo-require-preflight) header; or use POST with JSON',
    { extensions: { code: ErrorCode.CSRF_HEADER_REQUIRED, http: { status: 403 } } },
  );
}

/** The request errors answered before GraphQL runs, with their HTTP status. */
const REQUEST_ERRORS = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  LENGTH_REQUIRED: 411,
  AMBIGUOUS_CREDENTIALS: 400,
  NOT_FOUND: 404,
} as const satisfies Partial<Record<ErrorCode, number>>;

/**
 * A refusal written by a plugin's onRequest, before Yoga parses anything: the same JSON shape as
 * every other error (`{ errors: [{ message, extensions: { code } }] }`), with its HTTP status.
 */
export function requestErrorResponse(
  fetchAPI: { Response: typeof Response },
  code: keyof typeof REQUEST_ERRORS,
  message: string,
): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status: REQUEST_ERRORS[code],
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

/**
 * Whether an error is the client's to fix (a 4xx-class outcome: a code of ours, or an HTTP status
 * below 500), as opposed to an unexpected failure of the server. The logs keep the two apart.
 */
export function isClientError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (typeof status === 'number') return status >= 400 && status < 500;
  const code = error.extensions?.code;
  return typeof code === 'string' && (Object.values(ErrorCode) as string[]).includes(code);
}

/**
 * FORBIDDEN because of something the caller can fix, named in `extensions.reason`
 * (e.g. EMAIL_NOT_VERIFIED), so clients can show the way out rather than a dead end.
 */
export function forbiddenBecause(reason: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, reason } });
}

/** Why a mailed link's token was refused. */
export type TokenRefusal = 'TOKEN_INVALID' | 'TOKEN_USED' | 'TOKEN_EXPIRED' | 'TOKEN_REPLACED';

/** A mailed link's token refused: the contract's BAD_USER_INPUT on `token`, with why. */
export function badToken(reason: TokenRefusal): GraphQLError {
  const messages = {
    TOKEN_INVALID: 'This link is not valid: check that it was copied whole, or ask for a new one',
    TOKEN_USED: 'This link was already used: ask for a new one if you still need it',
    TOKEN_EXPIRED: 'This link has expired: ask for a new one',
    // Also after a password change or an e-mail change, which void the links mailed before them.
    TOKEN_REPLACED: 'This link was replaced: a newer one was sent, or the account changed since. Use the latest mail',
  } as const;
  return badUserInput(messages[reason], 'token', reason);
}

export function mailUnavailable(failure: 'DISABLED' | 'FAILED' | 'TIMEOUT'): GraphQLError {
  if (failure === 'DISABLED')
    return new GraphQLError('This server cannot send mail (no SMTP_URL is configured)', {
      extensions: { code: ErrorCode.MAIL_DISABLED },
    });
  return new GraphQLError('The mail could not be sent: try again in a few minutes', {
    extensions: { code: ErrorCode.MAIL_FAILED, reason: failure === 'TIMEOUT' ? 'TIMEOUT' : 'REFUSED' },
  });
}

/** Why a FORBIDDEN is not about the role: `extensions.reason`, for clients to act on. */
export const ForbiddenReason = { REAUTHENTICATION_REQUIRED: 'REAUTHENTICATION_REQUIRED' } as const;

/**
 * The password was right and a second factor is needed. `challenge` (login) goes to
 * `verifyLogin` with the code; without one (reauthenticate, resetPassword) the client sends the
 * same request again with `code`.
 */
export function mfaRequired(challenge?: string): GraphQLError {
  return new GraphQLError('A code from your authenticator app (or a recovery code) is required', {
    extensions: { code: ErrorCode.MFA_REQUIRED, ...(challenge ? { challenge } : {}) },
  });
}

/** A step-up field (`@auth(maxAge:)`) and a sign-in older than `maxAge` seconds. */
export function reauthenticationRequired(maxAge: number): GraphQLError {
  return new GraphQLError(`This needs a sign-in within the last ${maxAge} seconds: call reauthenticate`, {
    extensions: { code: ErrorCode.FORBIDDEN, reason: ForbiddenReason.REAUTHENTICATION_REQUIRED, maxAge },
  });
}

/** verifyLogin refused: a wrong (or reused) code, or a challenge that is unknown, used, expired or locked. */
export function invalidSecondFactor(what: 'code' | 'challenge'): GraphQLError {
  const message =
    what === 'code' ? 'Invalid code' : 'This sign-in expired or was locked after too many wrong codes: sign in again';
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, ...(what === 'challenge' ? { reason: 'CHALLENGE_INVALID' } : {}) },
  });
}

/** Production without MFA_ENCRYPTION_KEY: TOTP secrets can be neither sealed nor opened. */
export function mfaUnavailable(): GraphQLError {
  return new GraphQLError(
    'Two-factor sign-in is not available on this server: its operator has not set MFA_ENCRYPTION_KEY',
    { extensions: { code: ErrorCode.MFA_UNAVAILABLE } },
  );
}
