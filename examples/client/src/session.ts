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
  return {
    get: () => token,
    set: (t) => {
      token = t;
    },
  };
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

/** What signup, login, changePassword and refresh return (refreshToken is null in cookie mode). */
export interface SessionTokens {
  token: string;
  refreshToken: string | null;
}

/**
 * Exchanges the refresh token (null: none kept, or it travels in an HttpOnly cookie) for new
 * tokens; resolves to null when that is refused. See src/refresh.ts.
 */
export type Refresher = (refreshToken: string | null) => Promise<SessionTokens | null>;

export interface AuthSessionOptions {
  /** Where the access token lives. @default memory */
  store?: TokenStore;
  /** Where the refresh token lives (when the server returns it in the body). @default memory */
  refreshStore?: TokenStore;
  /** Without one, a refused access token signs the session out at once. */
  refresh?: Refresher;
}

export type SessionListener = (token: string | null) => void;

/**
 * The signed-in state. Links and exchanges read `token`, and call `recover()` when the server
 * answered UNAUTHENTICATED to a request that carried it.
 */
export class AuthSession {
  readonly #store: TokenStore;
  readonly #refreshStore: TokenStore;
  readonly #refresh: Refresher | undefined;
  readonly #listeners = new Set<SessionListener>();
  #recovering: Promise<boolean> | null = null;

  constructor(opts: AuthSessionOptions = {}) {
    this.#store = opts.store ?? memoryTokenStore();
    this.#refreshStore = opts.refreshStore ?? memoryTokenStore();
    this.#refresh = opts.refresh;
  }

  get token(): string | null {
    return this.#store.get();
  }

  /** The refresh token, when the server hands it to scripts (REFRESH_TOKEN_TRANSPORT=body). */
  get refreshToken(): string | null {
    return this.#refreshStore.get();
  }

  /**
   * Keep the tokens from signup, login, changePassword or refresh. A refresh token that is
   * `undefined` (changePassword returns none) keeps the one already held.
   */
  signIn(token: string, refreshToken?: string | null): void {
    if (refreshToken !== undefined) this.#refreshStore.set(refreshToken);
    this.#set(token);
  }

  /** Forget both tokens (log out on this client; call the `logout` mutation first to revoke). */
  signOut(): void {
    this.#refreshStore.set(null);
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
        const fresh = this.#refresh ? await this.#refresh(this.refreshToken).catch(() => null) : null;
        if (fresh) {
          this.signIn(fresh.token, fresh.refreshToken);
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
const CREDENTIAL_FIELDS = new Set([
  'login',
  'signup',
  'changePassword',
  'refresh',
  'logout',
  'verifyLogin',
  'reauthenticate',
  'startPasskeyLogin',
  'finishPasskeyLogin',
]);

/**
 * A passkey ceremony the server refused (wrong origin, used challenge, unknown credential...)
 * answers UNAUTHENTICATED with this reason, also from finishPasskeyRegistration, which does carry
 * the token: the passkey failed, not the token, so it is not refreshed, retried or signed out.
 */
const PASSKEY_REJECTED = 'PASSKEY_REJECTED';

/** True when the errors say the token sent with the request was refused. */
export function isTokenRejection(errors: ReadonlyArray<GraphQLErrorLike> | undefined): boolean {
  return (errors ?? []).some(
    (e) =>
      e.extensions?.code === 'UNAUTHENTICATED' &&
      e.extensions.reason !== PASSKEY_REJECTED &&
      !CREDENTIAL_FIELDS.has(String(e.path?.[0] ?? '')),
  );
}

export const bearer = (token: string) => `Bearer ${token}`;
