import {
  DeleteUserMutation,
  LoginMutation,
  LogoutMutation,
  MeQuery,
  RequestPasswordResetMutation,
  ResendVerificationEmailMutation,
  ResetPasswordMutation,
  SignupMutation,
  VerifyEmailMutation,
} from '@examples/client/operations';
import { refreshViaMutation } from '@examples/client/refresh';
import { AuthSession, webStorageTokenStore } from '@examples/client/session';
import { createUrqlClient } from '@examples/client/urql';
import type { CombinedError } from '@urql/core';

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
const notice = $('#notice');

function showNotice(message: string | null): void {
  notice.textContent = message ?? '';
  notice.hidden = !message;
}

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
    emailVerified: me.emailVerified ? 'yes' : 'not yet',
    role: me.role,
    createdAt: new Date(me.createdAt).toLocaleString(),
  })) {
    $(`#profile [data-field="${field}"]`).textContent = value;
  }
  $('#resend-verification').hidden = me.emailVerified;
  status.textContent = `Signed in as ${me.email}.`;
}

/**
 * The links in the API's mails, when APP_URL points at this page: /reset-password?token=... and
 * /verify-email?token=... The token is read once and taken out of the address bar (and history).
 */
let linkPage: string | null = ['/reset-password', '/verify-email'].includes(window.location.pathname)
  ? window.location.pathname
  : null;
const linkToken = linkPage ? new URLSearchParams(window.location.search).get('token') : null;
if (linkPage) window.history.replaceState(null, '', linkPage);

function render(): void {
  $('#reset-password').hidden = linkPage !== '/reset-password';
  $('#verify-email').hidden = linkPage !== '/verify-email';
  if (linkPage) {
    signedOut.hidden = true;
    signedIn.hidden = true;
    if (!linkToken) showError('This link is incomplete: open the whole link from the mail.');
    return;
  }
  const on = session.token !== null;
  signedOut.hidden = on;
  signedIn.hidden = !on;
  if (!on) {
    status.textContent = 'Not signed in.';
    // The previous account's data does not stay in the page.
    for (const dd of document.querySelectorAll('#profile dd')) dd.textContent = '';
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

$('#forgot-toggle').addEventListener('click', (event) => {
  const form = $<HTMLFormElement>('#forgot-form');
  form.hidden = !form.hidden;
  (event.currentTarget as HTMLElement).setAttribute('aria-expanded', String(!form.hidden));
});

$<HTMLFormElement>('#forgot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { email = '' } = formValues(form);
  const result = await client.mutation(RequestPasswordResetMutation, { email }).toPromise();
  if (!result.data) return showError(result.error ?? 'Could not ask for a link');
  showError(null);
  form.reset();
  // The API answers the same whether or not the address has an account, and so does this page.
  showNotice(`If an account uses ${email}, a link to choose a new password is on its way.`);
});

$<HTMLFormElement>('#reset-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { password = '', confirm = '' } = formValues(event.currentTarget as HTMLFormElement);
  if (password !== confirm) return showError('The two passwords are not the same.');
  const result = await client
    .mutation(ResetPasswordMutation, { token: linkToken ?? '', newPassword: password })
    .toPromise();
  if (!result.data) return showError(result.error ?? 'Could not set the password');
  showError(null);
  // The answer signs the account in: keep it, as a login would.
  session.signIn(result.data.resetPassword.token, result.data.resetPassword.refreshToken);
  showNotice('Your password has been changed; every other session was signed out.');
  leaveLinkPage();
});

$<HTMLFormElement>('#verify-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = await client.mutation(VerifyEmailMutation, { token: linkToken ?? '' }).toPromise();
  if (!result.data) return showError(result.error ?? 'Could not confirm the address');
  showError(null);
  showNotice(`Your e-mail address ${result.data.verifyEmail.email} is confirmed.`);
  leaveLinkPage();
});

$('#resend-verification').addEventListener('click', async () => {
  const result = await client.mutation(ResendVerificationEmailMutation, {}).toPromise();
  if (!result.data) return showError(result.error ?? 'Could not send the mail');
  showError(null);
  showNotice(
    result.data.resendVerificationEmail
      ? 'A new confirmation link is on its way.'
      : 'Your address is confirmed already.',
  );
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

/** Back to the usual page once a link has done its work. */
function leaveLinkPage(): void {
  linkPage = null;
  window.history.replaceState(null, '', '/');
  render();
  if (session.token) void showProfile();
}

render();
if (!linkPage && session.token) void showProfile();
