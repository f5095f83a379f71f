import {
  DeleteUserMutation,
  LoginMutation,
  LogoutMutation,
  MeQuery,
  SignupMutation,
} from '@examples/client/operations';
import { refreshViaMutation } from '@examples/client/refresh';
import { AuthSession, webStorageTokenStore } from '@examples/client/session';
import { createUrqlClient } from '@examples/client/urql';
import type { CombinedError } from '@urql/core';
import { createSecurityPage } from './security.js';

// Same origin: Vite's dev server (or whatever serves the built page) forwards /graphql to the API.
const endpoint = new URL('/graphql', window.location.href).href;

/**
 * The access token lives in sessionStorage (see docs/frontends.md): a reload keeps you signed in,
 * closing the tab signs you out, other tabs do not share it. The refresh token: in an HttpOnly
 * cookie when the API runs with REFRESH_TOKEN_TRANSPORT=cookie (scripts never see it; the
 * server then returns null here), otherwise next to the access token.
 */
const session = new AuthSession({
  store: webStorageTokenStore(window.sessionStorage),
  refreshStore: webStorageTokenStore(window.sessionStorage, 'graphql-auth-api:refresh-token'),
  // A refused (e.g. expired) access token is exchanged once for a new one, then the request retried.
  refresh: refreshViaMutation({ endpoint }),
});
const client = createUrqlClient({ url: endpoint, session });

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $('#status');
const errorBox = $('#error');
const signedOut = $('#signed-out');
const signedIn = $('#signed-in');

function showError(error: CombinedError | string | null): void {
  const message =
    typeof error === 'string' ? error : (error?.graphQLErrors[0]?.message ?? error?.networkError?.message ?? null);
  errorBox.textContent = message ?? '';
  errorBox.hidden = !message;
}

function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v)]));
}

async function showProfile(): Promise<void> {
  const result = await client.query(MeQuery, {}).toPromise();
  if (result.error || !result.data) {
    // A refused token has already signed the session out (the exchange did it): back to the forms.
    render();
    showError(result.error ?? 'Could not load your profile');
    return;
  }
  const me = result.data.me;
  for (const [field, value] of Object.entries({
    name: me.name,
    email: me.email,
    role: me.role,
    createdAt: new Date(me.createdAt).toLocaleString(),
  })) {
    $(`#profile [data-field="${field}"]`).textContent = value;
  }
  status.textContent = `Signed in as ${me.email}.`;
}

const securityPage = createSecurityPage({ client, root: $('#security-page'), showError });

/** Which page of the signed-in area is shown: `#security`, or the profile. */
function route(): void {
  const security = window.location.hash === '#security';
  $('#profile-page').hidden = security;
  $('#security-page').hidden = !security;
  if (security && session.token) void securityPage.show();
}
window.addEventListener('hashchange', route);

function render(): void {
  const on = session.token !== null;
  signedOut.hidden = on;
  signedIn.hidden = !on;
  if (!on) {
    status.textContent = 'Not signed in.';
    // The previous account's data does not stay in the page.
    for (const dd of document.querySelectorAll('#profile dd')) dd.textContent = '';
    securityPage.clear();
  }
}

session.subscribe(render);

$<HTMLFormElement>('#signup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { name = '', email = '', password = '' } = formValues(form);
  const result = await client.mutation(SignupMutation, { input: { name, email, password } }).toPromise();
  if (!result.data) return showError(result.error ?? 'Sign-up failed');
  showError(null);
  form.reset();
  session.signIn(result.data.signup.token, result.data.signup.refreshToken);
  await showProfile();
});

$<HTMLFormElement>('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { email = '', password = '' } = formValues(form);
  const result = await client.mutation(LoginMutation, { email, password }).toPromise();
  if (!result.data) return showError(result.error ?? 'Log-in failed');
  showError(null);
  form.reset();
  session.signIn(result.data.login.token, result.data.login.refreshToken);
  await showProfile();
});

$('#logout').addEventListener('click', async () => {
  showError(null);
  // Revoke the refresh token on the server (the cookie's, when the argument is null), then forget both.
  await client.mutation(LogoutMutation, { refreshToken: session.refreshToken }).toPromise();
  session.signOut();
});

$('#delete-account').addEventListener('click', async () => {
  if (!window.confirm('Delete your account? This cannot be undone.')) return;
  const result = await client.mutation(DeleteUserMutation, {}).toPromise();
  if (!result.data) return showError(result.error ?? 'Could not delete the account');
  showError(null);
  session.signOut();
  status.textContent = `Account ${result.data.deleteUser.email} deleted.`;
});

render();
route();
if (session.token) void showProfile();
