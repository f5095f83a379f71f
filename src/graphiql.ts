import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { GraphiQLOptions } from 'graphql-yoga';
import { ErrorCode, ForbiddenReason } from './errors.js';

/**
 * GraphiQL that signs in by itself.
 *
 * `renderGraphiQL` (from @graphql-yoga/render-graphiql, every asset inlined: no CDN) is wrapped so
 * that a small script (src/browser/graphiql-token-keeper.js) runs before GraphiQL loads. It wraps
 * `window.fetch` for the GraphQL endpoint:
 *
 * - the token returned by a successful `signup`, `login`, `changePassword` (and `refresh`, once the
 *   schema has it) is kept in this tab's sessionStorage and sent as `Authorization: Bearer <token>`
 *   on the following requests;
 * - an `Authorization` header typed in GraphiQL's Headers pane wins over the stored token;
 * - a bar in the bottom-right corner shows who is signed in and when the token expires, with
 *   "Show token" and "Forget token"; the token is also forgotten after `deleteUser`, `logout` and
 *   `logoutAll`, and when the server refuses it (UNAUTHENTICATED);
 * - a login that answers MFA_REQUIRED opens a code field in the bar, which calls `verifyLogin` with
 *   the challenge; a step-up field that answers REAUTHENTICATION_REQUIRED opens a password (and
 *   code) form that calls `reauthenticate`; either way the new token is kept, and the operation is
 *   run again by hand.
 *
 * Why sessionStorage: it lives as long as the tab (a reload keeps you signed in, closing the tab
 * signs you out), it is not shared with other tabs or written to disk for the next browser start
 * the way localStorage is, and it is only readable by this origin's pages. Any script on the page
 * could still read it, as with every storage JavaScript can reach; GraphiQL is a development tool
 * that is off in production by default (GRAPHIQL=false).
 */

/** Where the injected script keeps the token (sessionStorage key). */
export const GRAPHIQL_TOKEN_KEY = 'graphql-auth-api:graphiql-token';

/** Mutations whose `token` field becomes the stored token. */
export const TOKEN_MUTATIONS = [
  'signup',
  'login',
  'changePassword',
  'refresh',
  'verifyLogin',
  'reauthenticate',
  'resetPassword',
  'finishPasskeyLogin',
] as const;
/** Mutations after which the stored token is forgotten (when it was the one sent). */
export const FORGET_MUTATIONS = ['deleteUser', 'logout', 'logoutAll'] as const;

const SIGN_IN = /* GraphQL */ `# Welcome! This API signs you in with a JWT.
#
# 1. Run "Signup" (or "Login") below: press the play button and pick one.
# 2. That's it: this page keeps the returned token (for this tab only) and
#    sends it as "Authorization: Bearer <token>" on every following request.
#    The bar in the bottom-right corner shows it and can forget it.
# 3. Open the "Me" tab and run it.
#
# With two-factor sign-in on (setupTotp, confirmTotp), Login answers MFA_REQUIRED:
# the bar asks for the code and finishes with verifyLogin. A step-up field (the Docs
# say "Step-up") on an old sign-in answers REAUTHENTICATION_REQUIRED: the bar asks
# for the password (and code) and calls reauthenticate; then run it again.
# Fields marked "Requires a token" in the Docs answer UNAUTHENTICATED without one.
# A header you type in the Headers pane (bottom) wins over the stored token.
# Tokens expire after an hour: log in again, or run
#   mutation { refresh(refreshToken: "<refreshToken from the result>") { token refreshToken } }
# (its new token is kept too; with REFRESH_TOKEN_TRANSPORT=cookie, omit the argument).

# (The values are written into the operations, not in Variables, because
# GraphiQL does not load the first tab's variables: graphql/graphiql#3392.)

mutation Signup {
  signup(input: { name: "Ada", email: "ada@example.com", password: "correct horse battery" }) {
    token
    refreshToken
    user { id name email role }
  }
}

mutation Login {
  login(email: "ada@example.com", password: "correct horse battery") {
    token
    refreshToken
    user { id name email role }
  }
}
`;

const ME = /* GraphQL */ `# Uses the token kept from Signup or Login (see the bar at the bottom right).
query Me {
  me { id name email emailVerified role createdAt }
}

mutation DeleteMyAccount {
  deleteUser { id email }
}
`;

const SECURITY = /* GraphQL */ `# Your account's security center (uses the kept token).
# "current: true" marks the session of the token this page sends.
query Sessions {
  sessions { id createdAt lastUsedAt userAgent address current }
}

# Newest first; pass pageInfo.endCursor as "after" for the next page.
query SecurityEvents {
  securityEvents(first: 20) {
    nodes { type at address userAgent sessionId }
    pageInfo { hasNextPage endCursor }
  }
}

# Paste a session id from "Sessions": that device is signed out at its next request.
mutation RevokeSession {
  revokeSession(id: "<session id>")
}

mutation RevokeOtherSessions {
  revokeOtherSessions
}

query ExportMyData {
  exportMyData
}
`;

const ACCOUNT_RECOVERY = /* GraphQL */ `# Confirming your address, a forgotten password, a new address: each mails a link.
# Without SMTP_URL (npm start) the mail is a file in data/mail/ and its link is in the server log;
# open the link in the browser, or paste its token= value below.

# Signup mailed a verification link already; this sends a new one (needs the kept token).
mutation ResendVerification {
  resendVerificationEmail
}

mutation VerifyEmail {
  verifyEmail(token: "<the token= value from the link>") { id email emailVerified }
}

# Answers true whether or not the address has an account; mails a link only to a real one.
mutation ForgotPassword {
  requestPasswordReset(email: "ada@example.com")
}

# Its token is kept, like Login's: every older token of the account stops working.
mutation ResetPassword {
  resetPassword(token: "<the token= value from the link>", newPassword: "a brand new password") {
    token
    refreshToken
    user { id email emailVerified }
  }
}

# Mails the new address a link (open it, or run VerifyEmail with its token) and the old one a notice.
mutation ChangeEmail {
  requestEmailChange(newEmail: "ada@new.example.com", currentPassword: "correct horse battery")
}
`;

/** The page GraphiQL opens on: sign in first, then a tab that uses the kept token. */
export function graphiqlOptions(): GraphiQLOptions {
  return {
    title: 'GraphQL Auth API',
    defaultTabs: [
      {
        query: SIGN_IN,
        variables: '{}',
        headers: '{}',
      },
      // The recovery and security-center operations share the second tab: a third default tab upsets GraphiQL's tab
      // bar animation, and a click on "Me" right after load becomes a drag.
      { query: `${ME}\n${ACCOUNT_RECOVERY}\n${SECURITY}`, variables: '{}', headers: '{}' },
    ],
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  };
}

/** The token keeper's source (src/browser/graphiql-token-keeper.js; copied beside dist/ by the build). */
const TOKEN_KEEPER_FILE = new URL('./browser/graphiql-token-keeper.js', import.meta.url);
let tokenKeeperSource: string | undefined;

/** The `<script>` put into GraphiQL's page; exported for tests. */
export function tokenKeeperScript(endpoint = '/graphql'): string {
  tokenKeeperSource ??= fs.readFileSync(TOKEN_KEEPER_FILE, 'utf8');
  if (/<\/script/i.test(tokenKeeperSource)) throw new Error('the token keeper must not contain </script>');
  const cfg = {
    endpoint,
    key: GRAPHIQL_TOKEN_KEY,
    capture: TOKEN_MUTATIONS,
    forget: FORGET_MUTATIONS,
    unauthenticated: ErrorCode.UNAUTHENTICATED,
    mfaRequired: ErrorCode.MFA_REQUIRED,
    reauthenticationRequired: ForbiddenReason.REAUTHENTICATION_REQUIRED,
  };
  // JSON.stringify output cannot close the script element: `<` is escaped as a precaution.
  const args = JSON.stringify(cfg).replace(/</g, '\\u003c');
  // A function scope of its own, so the file's names stay off `window`.
  return `<script>(function(){\n${tokenKeeperSource}\ntokenKeeper(${args});\n})();</script>`;
}

/**
 * `renderGraphiQL` with the token keeper injected at the top of `<head>`, so it wraps `fetch`
 * before GraphiQL's own code runs. Pass it to createYoga as `renderGraphiQL`.
 */
export async function renderGraphiQLWithLogin(opts?: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(opts ?? {});
  if (rendered?.key === key) return rendered.html;
  // A 9 MB module (about 45 MiB of RSS once parsed): loaded on the first GraphiQL page, not at
  // start, and never in production where GraphiQL is off.
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const page = renderGraphiQL(opts);
  const endpoint = typeof opts?.endpoint === 'string' ? opts.endpoint : '/graphql';
  const script = tokenKeeperScript(endpoint);
  const at = page.indexOf('<head>');
  if (at === -1) throw new Error('renderGraphiQL: no <head> to inject the token keeper into');
  const html = page.slice(0, at + '<head>'.length) + script + page.slice(at + '<head>'.length);
  // The page is the same for every request: rendered (and its scripts hashed) once.
  rendered = { key, html, policy: contentSecurityPolicy(html) };
  return html;
}

let rendered: { key: string; html: string; policy: string } | undefined;

/**
 * The page's Content-Security-Policy: only its own inline scripts run (each allowed by its
 * SHA-256, so an injected script would not), it talks only to this origin, loads no outside
 * asset, and no other site may frame it (clickjacking). Styles stay inline: GraphiQL and its
 * editor set style attributes, which hashes cannot allow. Monaco's language workers start from
 * blob: URLs.
 */
export function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The policy of the GraphiQL page last rendered, for its response (src/plugins/security-headers.ts). */
export function graphiqlPolicy(): string | undefined {
  return rendered?.policy;
}
