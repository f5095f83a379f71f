import type { GraphiQLOptions } from 'graphql-yoga';
import { ErrorCode } from './errors.js';

/**
 * GraphiQL that signs in by itself.
 *
 * `renderGraphiQL` (from @graphql-yoga/render-graphiql, every asset inlined: no CDN) is wrapped so
 * that a small script runs before GraphiQL loads. It wraps `window.fetch` for the GraphQL endpoint:
 *
 * - the token returned by a successful `signup`, `login`, `changePassword` (and `refresh`, once the
 *   schema has it) is kept in this tab's sessionStorage and sent as `Authorization: Bearer <token>`
 *   on the following requests;
 * - an `Authorization` header typed in GraphiQL's Headers pane wins over the stored token;
 * - a bar in the bottom-right corner shows who is signed in and when the token expires, with
 *   "Show token" and "Forget token"; the token is also forgotten after `deleteUser`, `logout` and
 *   `logoutAll`, and when the server refuses it (UNAUTHENTICATED).
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
export const TOKEN_MUTATIONS = ['signup', 'login', 'changePassword', 'refresh'] as const;
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
  me { id name email role createdAt }
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

/** The page GraphiQL opens on: sign in first, then tabs that use the kept token. */
export function graphiqlOptions(): GraphiQLOptions {
  return {
    title: 'GraphQL Auth API',
    defaultTabs: [
      {
        query: SIGN_IN,
        variables: '{}',
        headers: '{}',
      },
      { query: ME, variables: '{}', headers: '{}' },
      { query: SECURITY, variables: '{}', headers: '{}' },
    ],
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  };
}

/**
 * The browser script. It is type-checked here and sent as its compiled source
 * (`Function.prototype.toString`), so it must not use anything from the module around it:
 * everything it needs comes in `cfg`.
 */
function tokenKeeper(cfg: {
  endpoint: string;
  key: string;
  capture: readonly string[];
  forget: readonly string[];
  /** The extensions.code of a refused token (src/errors.ts). */
  unauthenticated: string;
}): void {
  const memory: { value: string | null } = { value: null };
  const storage = {
    get(): string | null {
      try {
        return window.sessionStorage.getItem(cfg.key);
      } catch {
        return memory.value;
      }
    },
    set(v: string | null): void {
      memory.value = v;
      try {
        if (v === null) window.sessionStorage.removeItem(cfg.key);
        else window.sessionStorage.setItem(cfg.key, v);
      } catch {
        /* storage blocked: memory only */
      }
    },
  };
  type Kept = { token: string; email: string | null; via: string };
  const read = (): Kept | null => {
    try {
      const v = JSON.parse(storage.get() ?? 'null') as Kept | null;
      return v && typeof v.token === 'string' ? v : null;
    } catch {
      return null;
    }
  };
  let notice = '';
  const keep = (v: Kept | null, why: string): void => {
    storage.set(v ? JSON.stringify(v) : null);
    notice = why;
    render();
  };

  function claims(token: string): { exp?: number; role?: string } {
    try {
      const part = token.split('.')[1] ?? '';
      return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number; role?: string };
    } catch {
      return {};
    }
  }

  function isEndpoint(url: string): boolean {
    try {
      const u = new URL(url, window.location.href);
      return u.origin === window.location.origin && u.pathname === cfg.endpoint;
    } catch {
      return false;
    }
  }

  type Body = {
    data?: Record<string, { token?: unknown; user?: { email?: string } } | null> | null;
    errors?: Array<{ message?: string; path?: unknown[]; extensions?: { code?: string } }>;
  };

  function inspect(body: Body, sentStored: boolean): void {
    const data = body.data ?? {};
    const failed = (name: string) => (body.errors ?? []).some((e) => Array.isArray(e.path) && e.path[0] === name);
    for (const name of cfg.capture) {
      const payload = data[name];
      if (payload && typeof payload.token === 'string' && !failed(name)) {
        keep({ token: payload.token, email: payload.user?.email ?? null, via: name }, `Token kept from ${name}.`);
        return;
      }
    }
    if (!sentStored) return;
    for (const name of cfg.forget) {
      if (data[name] && !failed(name)) {
        keep(null, `Token forgotten after ${name}.`);
        return;
      }
    }
    const refused = (body.errors ?? []).find(
      (e) =>
        e.extensions?.code === cfg.unauthenticated &&
        !(Array.isArray(e.path) && cfg.capture.includes(String(e.path[0]))),
    );
    if (refused)
      keep(
        null,
        `The server refused the kept token (${refused.message ?? cfg.unauthenticated}); it was forgotten. Log in again.`,
      );
  }

  async function readBodies(res: Response): Promise<Body[]> {
    const type = res.headers.get('content-type') ?? '';
    if (/json/i.test(type)) return [(await res.json()) as Body];
    if (/multipart\/mixed/i.test(type)) {
      // Incremental delivery: each part's JSON body on its own line(s).
      const text = await res.text();
      return text
        .split(/\r?\n\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s.startsWith('{'))
        .flatMap((s) => {
          try {
            return [JSON.parse(s.split(/\r?\n--/)[0] ?? s) as Body];
          } catch {
            return [];
          }
        });
    }
    return [];
  }

  const realFetch = window.fetch.bind(window);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!isEndpoint(url)) return realFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const kept = read();
    // A header typed in the Headers pane (even an empty one) wins over the kept token.
    const sentStored = !headers.has('authorization') && kept !== null;
    if (sentStored) headers.set('authorization', `Bearer ${kept!.token}`);
    const res = await realFetch(input, { ...init, headers });
    readBodies(res.clone())
      .then((bodies) => {
        for (const b of bodies) inspect(b, sentStored);
      })
      .catch(() => undefined);
    return res;
  };

  let showToken = false;
  function render(): void {
    if (!document.body) return;
    let bar = document.getElementById('auth-token-bar');
    if (!bar) {
      bar = document.createElement('div');
      bar.id = 'auth-token-bar';
      bar.setAttribute('role', 'status');
      bar.style.cssText =
        'position:fixed;right:12px;bottom:12px;z-index:10000;max-width:36em;padding:8px 10px;border-radius:6px;' +
        'font:13px/1.4 system-ui,sans-serif;background:#1b2240;color:#fff;box-shadow:0 2px 8px rgba(0,0,0,.3)';
      document.body.appendChild(bar);
    }
    bar.replaceChildren();
    const line = document.createElement('div');
    const kept = read();
    const button = (label: string, id: string, onClick: () => void) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.id = id;
      b.textContent = label;
      b.style.cssText =
        'margin-left:8px;font:inherit;cursor:pointer;border-radius:4px;border:1px solid #889;background:#2d3763;color:#fff;padding:1px 8px';
      b.addEventListener('click', onClick);
      return b;
    };
    if (kept) {
      const c = claims(kept.token);
      const exp = c.exp ? new Date(c.exp * 1000).toLocaleTimeString() : 'unknown';
      line.textContent = `Signed in${kept.email ? ` as ${kept.email}` : ''}${c.role ? ` (${c.role})` : ''}: token expires ${exp}.`;
      line.appendChild(
        button(showToken ? 'Hide token' : 'Show token', 'auth-token-toggle', () => {
          showToken = !showToken;
          render();
        }),
      );
      line.appendChild(button('Forget token', 'auth-token-clear', () => keep(null, 'Token forgotten.')));
    } else {
      line.textContent = 'No token kept: run signup or login and it is sent on the next requests.';
    }
    bar.appendChild(line);
    if (kept && showToken) {
      const code = document.createElement('code');
      code.id = 'auth-token-value';
      code.textContent = kept.token;
      code.style.cssText = 'display:block;margin-top:6px;word-break:break-all;user-select:all;font-size:11px';
      bar.appendChild(code);
    }
    if (notice) {
      const n = document.createElement('div');
      n.id = 'auth-token-notice';
      n.textContent = notice;
      n.style.cssText = 'margin-top:4px;opacity:.8';
      bar.appendChild(n);
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
  else render();
}

/** The `<script>` put into GraphiQL's page; exported for tests. */
export function tokenKeeperScript(endpoint = '/graphql'): string {
  const cfg = {
    endpoint,
    key: GRAPHIQL_TOKEN_KEY,
    capture: TOKEN_MUTATIONS,
    forget: FORGET_MUTATIONS,
    unauthenticated: ErrorCode.UNAUTHENTICATED,
  };
  // JSON.stringify output cannot close the script element: `<` is escaped as a precaution.
  const args = JSON.stringify(cfg).replace(/</g, '\\u003c');
  // `__name`: the helper esbuild (tsx, vitest) inserts into functions when it keeps their names.
  return `<script>(function(){var __name=function(f){return f};(${tokenKeeper.toString()})(${args});})();</script>`;
}

/**
 * `renderGraphiQL` with the token keeper injected at the top of `<head>`, so it wraps `fetch`
 * before GraphiQL's own code runs. Pass it to createYoga as `renderGraphiQL`.
 */
export async function renderGraphiQLWithLogin(opts?: GraphiQLOptions): Promise<string> {
  // A 9 MB module (about 45 MiB of RSS once parsed): loaded on the first GraphiQL page, not at
  // start, and never in production where GraphiQL is off.
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const html = renderGraphiQL(opts);
  const endpoint = typeof opts?.endpoint === 'string' ? opts.endpoint : '/graphql';
  const script = tokenKeeperScript(endpoint);
  const at = html.indexOf('<head>');
  if (at === -1) throw new Error('renderGraphiQL: no <head> to inject the token keeper into');
  return html.slice(0, at + '<head>'.length) + script + html.slice(at + '<head>'.length);
}
