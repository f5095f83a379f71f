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
 *   `logoutAll`, and when the server refuses it;
 * - a login that answers MFA_REQUIRED opens a code field in the bar (it calls `verifyLogin` with
 *   the challenge); a step-up field that answers REAUTHENTICATION_REQUIRED opens a password (and,
 *   after MFA_REQUIRED, code) form that calls `reauthenticate`. The new token is kept either way.
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
 * @property {string} mfaRequired The extensions.code of a login that needs the second factor.
 * @property {string} reauthenticationRequired The extensions.reason of a step-up refusal.
 *
 * @typedef {{ token: string; email: string | null; via: string }} Kept
 *
 * @typedef {object} ResponseBody
 * @property {Record<string, { token?: unknown; user?: { email?: string } } | null> | null} [data]
 * @property {Array<{ message?: string; path?: unknown[]; extensions?: { code?: string; reason?: string; challenge?: string } }>} [errors]
 *
 * A form the bar shows: the second factor of a login, or a step-up sign-in.
 * @typedef {{ kind: 'mfa'; challenge: string } | { kind: 'reauth'; needsCode: boolean; field: string }} Pending
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

  /** @type {Pending | null} */
  let pending = null;

  /**
   * One of the keeper's own requests: not through the wrapper, so it is not inspected twice.
   * @param {string} query
   * @param {Record<string, unknown>} variables
   * @param {string} [token]
   * @returns {Promise<ResponseBody>}
   */
  async function call(query, variables, token) {
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await realFetch(cfg.endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return /** @type {ResponseBody} */ (await res.json());
  }

  /** @param {{ password: string; code: string }} values */
  async function submit(values) {
    const p = pending;
    if (!p) return;
    const name = p.kind === 'mfa' ? 'verifyLogin' : 'reauthenticate';
    const body =
      p.kind === 'mfa'
        ? await call(
            'mutation($c: String!, $code: String!) { verifyLogin(challenge: $c, code: $code) { token user { email } } }',
            { c: p.challenge, code: values.code },
          )
        : await call(
            'mutation($p: String!, $code: String) { reauthenticate(password: $p, code: $code) { token user { email } } }',
            { p: values.password, code: values.code || null },
            read()?.token,
          );
    const payload = body.data?.[name];
    const error = body.errors?.[0];
    if (payload && typeof payload.token === 'string') {
      pending = null;
      const again = p.kind === 'reauth' ? ` Run ${p.field} again.` : '';
      keep({ token: payload.token, email: payload.user?.email ?? null, via: name }, `Token kept from ${name}.${again}`);
      return;
    }
    if (p.kind === 'reauth' && error?.extensions?.code === cfg.mfaRequired) pending = { ...p, needsCode: true };
    // A locked or expired challenge cannot be retried: the login starts over.
    if (p.kind === 'mfa' && error?.extensions?.reason) pending = null;
    notice = error?.message ?? 'Failed.';
    render();
  }

  /**
   * @param {ResponseBody} body
   * @param {boolean} sentStored
   */
  function inspect(body, sentStored) {
    const mfa = (body.errors ?? []).find((e) => e.extensions?.code === cfg.mfaRequired && e.extensions.challenge);
    if (mfa?.extensions?.challenge) {
      pending = { kind: 'mfa', challenge: mfa.extensions.challenge };
      notice = 'Password accepted: enter the code from your authenticator app (or a recovery code).';
      render();
      return;
    }
    const stale = (body.errors ?? []).find((e) => e.extensions?.reason === cfg.reauthenticationRequired);
    if (stale && sentStored) {
      pending = { kind: 'reauth', needsCode: false, field: String(stale.path?.[0] ?? 'the operation') };
      notice = stale.message ?? 'A recent sign-in is needed.';
      render();
      return;
    }
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
    if (pending) bar.appendChild(pendingForm(pending));
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
  /**
   * @param {Pending} p
   * @returns {HTMLFormElement}
   */
  function pendingForm(p) {
    const form = document.createElement('form');
    form.id = 'auth-step-form';
    form.style.cssText = 'margin-top:6px;display:flex;gap:6px;flex-wrap:wrap;align-items:center';
    /**
     * @param {string} id
     * @param {string} label
     * @param {string} type
     * @param {AutoFill} autocomplete
     */
    const input = (id, label, type, autocomplete) => {
      const i = document.createElement('input');
      i.id = id;
      i.type = type;
      i.placeholder = label;
      i.setAttribute('aria-label', label);
      i.autocomplete = autocomplete;
      i.style.cssText = 'font:inherit;padding:2px 6px;border-radius:4px;border:1px solid #889;min-width:10em';
      form.appendChild(i);
      return i;
    };
    const password =
      p.kind === 'reauth' ? input('auth-step-password', 'Password', 'password', 'current-password') : null;
    const code =
      p.kind === 'mfa' || p.needsCode
        ? input('auth-step-code', 'Code or recovery code', 'text', 'one-time-code')
        : null;
    const go = document.createElement('button');
    go.type = 'submit';
    go.id = 'auth-step-submit';
    go.textContent = p.kind === 'mfa' ? 'Verify' : 'Sign in again';
    go.style.cssText =
      'font:inherit;cursor:pointer;border-radius:4px;border:1px solid #889;background:#2d3763;color:#fff';
    form.appendChild(go);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit({ password: password?.value ?? '', code: (code?.value ?? '').trim() });
    });
    queueMicrotask(() => (password ?? code)?.focus());
    return form;
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
  else render();
}
