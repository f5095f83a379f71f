// @ts-check
/**
 * GraphiQL's token keeper: a browser script, type-checked with the DOM library on its own
 * (src/browser/tsconfig.json; the server's tsconfig has no DOM), and sent as this file's text
 * (src/graphiql.ts reads it), wrapped as `(function(){ <this file> tokenKeeper(cfg); })()`.
 * It runs before GraphiQL's code and wraps `window.fetch` for the GraphQL endpoint:
 *
 * - the token of a successful `signup`, `login`, `changePassword` or `refresh` is kept in this
 *   tab's sessionStorage and sent as `Authorization: Bearer <token>` on the following requests;
 * - an `Authorization` header typed in GraphiQL's Headers pane wins over the kept token;
 * - a bar in the bottom-right corner shows who is signed in and when the token expires, with
 *   "Show token" and "Forget token"; the token is forgotten after `deleteUser`, `logout` and
 *   `logoutAll`, and when the server refuses it.
 *
 * Plain JavaScript with JSDoc types, so the file the browser runs is the file in the repository:
 * no build step, no Function#toString, no bundler helpers to shim.
 */

/**
 * @typedef {object} TokenKeeperConfig
 * @property {string} endpoint The GraphQL path, e.g. /graphql.
 * @property {string} key The sessionStorage key.
 * @property {readonly string[]} capture Mutations whose `token` becomes the kept token.
 * @property {readonly string[]} forget Mutations after which the kept token is forgotten.
 * @property {string} unauthenticated The extensions.code of a refused token.
 *
 * @typedef {{ token: string; email: string | null; via: string }} Kept
 *
 * @typedef {object} ResponseBody
 * @property {Record<string, { token?: unknown; user?: { email?: string } } | null> | null} [data]
 * @property {Array<{ message?: string; path?: unknown[]; extensions?: { code?: string } }>} [errors]
 */

/** @param {TokenKeeperConfig} cfg */
// biome-ignore lint/correctness/noUnusedVariables: called by the wrapper src/graphiql.ts puts around this file.
function tokenKeeper(cfg) {
  /** @type {{ value: string | null }} */
  const memory = { value: null };
  const storage = {
    /** @returns {string | null} */
    get() {
      try {
        return window.sessionStorage.getItem(cfg.key);
      } catch {
        return memory.value;
      }
    },
    /** @param {string | null} v */
    set(v) {
      memory.value = v;
      try {
        if (v === null) window.sessionStorage.removeItem(cfg.key);
        else window.sessionStorage.setItem(cfg.key, v);
      } catch {
        /* storage blocked: memory only */
      }
    },
  };
  /** @returns {Kept | null} */
  const read = () => {
    try {
      /** @type {Kept | null} */
      const v = JSON.parse(storage.get() ?? 'null');
      return v && typeof v.token === 'string' ? v : null;
    } catch {
      return null;
    }
  };
  let notice = '';
  /**
   * @param {Kept | null} v
   * @param {string} why
   */
  const keep = (v, why) => {
    storage.set(v ? JSON.stringify(v) : null);
    notice = why;
    render();
  };

  /**
   * @param {string} token
   * @returns {{ exp?: number; role?: string }}
   */
  function claims(token) {
    try {
      const part = token.split('.')[1] ?? '';
      return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
    } catch {
      return {};
    }
  }

  /** @param {string} url */
  function isEndpoint(url) {
    try {
      const u = new URL(url, window.location.href);
      return u.origin === window.location.origin && u.pathname === cfg.endpoint;
    } catch {
      return false;
    }
  }

  /**
   * @param {ResponseBody} body
   * @param {boolean} sentStored
   */
  function inspect(body, sentStored) {
    const data = body.data ?? {};
    /** @param {string} name */
    const failed = (name) => (body.errors ?? []).some((e) => Array.isArray(e.path) && e.path[0] === name);
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

  /**
   * @param {Response} res
   * @returns {Promise<ResponseBody[]>}
   */
  async function readBodies(res) {
    const type = res.headers.get('content-type') ?? '';
    if (/json/i.test(type)) return [/** @type {ResponseBody} */ (await res.json())];
    if (/multipart\/mixed/i.test(type)) {
      // Incremental delivery: each part's JSON body on its own line(s).
      const text = await res.text();
      return text
        .split(/\r?\n\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s.startsWith('{'))
        .flatMap((s) => {
          try {
            return [/** @type {ResponseBody} */ (JSON.parse(s.split(/\r?\n--/)[0] ?? s))];
          } catch {
            return [];
          }
        });
    }
    return [];
  }

  const realFetch = window.fetch.bind(window);
  /**
   * @param {RequestInfo | URL} input
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!isEndpoint(url)) return realFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const kept = read();
    // A header typed in the Headers pane (even an empty one) wins over the kept token.
    const sentStored = !headers.has('authorization') && kept !== null;
    if (sentStored && kept) headers.set('authorization', `Bearer ${kept.token}`);
    const res = await realFetch(input, { ...init, headers });
    readBodies(res.clone())
      .then((bodies) => {
        for (const b of bodies) inspect(b, sentStored);
      })
      .catch(() => undefined);
    return res;
  };

  let showToken = false;
  function render() {
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
    /**
     * @param {string} label
     * @param {string} id
     * @param {() => void} onClick
     */
    const button = (label, id, onClick) => {
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
