/**
 * The client's side of authentication, shared by the Apollo link and the urql exchange:
 * where the token is kept, and what happens when the server refuses it.
 */

/** Where the access token lives. */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** In memory only: gone when the process or page goes away. The default. */
export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return { get: () => token, set: (t) => void (token = t) };
}

/**
 * In a Web Storage area (the browser example passes `sessionStorage`): survives a reload of
 * the tab, not the tab. Falls back to memory when storage is unavailable.
 */
export function webStorageTokenStore(storage: Storage, key = 'graphql-auth-api:token'): TokenStore {
  const memory = memoryTokenStore();
  return {
    get() {
      try {
        return storage.getItem(key);
      } catch {
        return memory.get();
      }
    },
    set(token) {
      memory.set(token);
      try {
        if (token === null) storage.removeItem(key);
        else storage.setItem(key, token);
      } catch {
        /* memory only */
      }
    },
  };
}

/**
 * Gets a new access token when the current one is refused; resolves to null when it cannot
 * (no refresh token, or the refresh token was refused too). See src/refresh.ts.
 */
export type Refresher = () => Promise<string | null>;

export interface AuthSessionOptions {
  store?: TokenStore;
  /** Omit while the API has no `refresh` mutation: a refused token then signs out. */
  refresh?: Refresher;
}

export type SessionListener = (token: string | null) => void;

/**
 * The signed-in state. Links and exchanges read `token`, and call `recover()` when the server
 * answered UNAUTHENTICATED to a request that carried it.
 */
export class AuthSession {
  readonly #store: TokenStore;
  readonly #refresh: Refresher | undefined;
  readonly #listeners = new Set<SessionListener>();
  #recovering: Promise<boolean> | null = null;

  constructor(opts: AuthSessionOptions = {}) {
    this.#store = opts.store ?? memoryTokenStore();
    this.#refresh = opts.refresh;
  }

  get token(): string | null {
    return this.#store.get();
  }

  /** Keep the token from signup, login or changePassword (or refresh). */
  signIn(token: string): void {
    this.#set(token);
  }

  /** Forget the token (log out on this client). */
  signOut(): void {
    this.#set(null);
  }

  /** Called with the new token (or null) on every change; returns an unsubscribe function. */
  subscribe(listener: SessionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The server refused `rejected` (the token a request carried). With a refresher: refresh once,
   * shared by every request that failed at the same time, and resolve true so the caller retries.
   * Without one, or when refreshing fails: sign out and resolve false.
   */
  recover(rejected: string | null = this.token): Promise<boolean> {
    // Another request already replaced the token: retry with the new one.
    if (rejected !== null && this.token !== null && this.token !== rejected) return Promise.resolve(true);
    this.#recovering ??= (async () => {
      try {
        const fresh = this.#refresh ? await this.#refresh().catch(() => null) : null;
        if (fresh) {
          this.signIn(fresh);
          return true;
        }
        this.signOut();
        return false;
      } finally {
        this.#recovering = null;
      }
    })();
    return this.#recovering;
  }

  #set(token: string | null): void {
    this.#store.set(token);
    for (const l of this.#listeners) l(token);
  }
}

export interface GraphQLErrorLike {
  message: string;
  path?: ReadonlyArray<string | number> | undefined;
  extensions?: { code?: unknown } & Record<string, unknown>;
}

/**
 * Fields whose UNAUTHENTICATED means "wrong credentials", not "your token was refused":
 * a failed login must not sign the current session out.
 */
const CREDENTIAL_FIELDS = new Set(['login', 'signup', 'changePassword', 'refresh', 'logout']);

/** True when the errors say the token sent with the request was refused. */
export function isTokenRejection(errors: ReadonlyArray<GraphQLErrorLike> | undefined): boolean {
  return (errors ?? []).some(
    (e) => e.extensions?.code === 'UNAUTHENTICATED' && !CREDENTIAL_FIELDS.has(String(e.path?.[0] ?? '')),
  );
}

export const bearer = (token: string) => `Bearer ${token}`;
