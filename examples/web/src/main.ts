import {
  ConfirmTotpMutation,
  DeleteUserMutation,
  LogoutMutation,
  MeQuery,
  RequestPasswordResetMutation,
  ResendVerificationEmailMutation,
  ResetPasswordMutation,
  SetupTotpMutation,
  SignupMutation,
  TwoFactorStatusQuery,
  VerifyEmailMutation,
} from '@examples/client/operations';
import { signInWithPasskey } from '@examples/client/passkeys';
import { refreshViaMutation } from '@examples/client/refresh';
import { type MutateResult, SignInError, signInWithSecondFactor, withStepUp } from '@examples/client/second-factor';
import { AuthSession, webStorageTokenStore } from '@examples/client/session';
import { createUrqlClient, urqlMutate } from '@examples/client/urql';
import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from '@simplewebauthn/browser';
import type { CombinedError } from '@urql/core';
import { createPasskeysPanel, passkeySignInMessage } from './passkeys.js';
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
const mutate = urqlMutate(client);

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
  await showTwoFactor();
}

/** Resolves with the next submission of `form` (its values), showing it until then. */
function nextSubmit(form: HTMLFormElement): Promise<Record<string, string>> {
  form.hidden = false;
  form.querySelector('input')?.focus();
  return new Promise((resolve) => {
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const values = formValues(form);
        form.reset();
        form.hidden = true;
        resolve(values);
      },
      { once: true },
    );
  });
}

/** The step-up prompt: password, and the code once the server says one is needed. */
async function askToReauthenticate(needsCode: boolean): Promise<{ password: string; code?: string }> {
  $('#reauth-code').hidden = !needsCode;
  const { password = '', code = '' } = await nextSubmit($<HTMLFormElement>('#reauth-form'));
  return code ? { password, code } : { password };
}

/** Runs a step-up mutation, asking for the password (and code) when the sign-in is too old. */
function stepUp<T>(operation: () => Promise<MutateResult<T>>): Promise<MutateResult<T>> {
  return withStepUp(mutate, session, operation, askToReauthenticate);
}

const messageOf = (r: MutateResult<unknown>, fallback: string) => r.errors[0]?.message ?? fallback;

async function showTwoFactor(): Promise<void> {
  const result = await client.query(TwoFactorStatusQuery, {}).toPromise();
  const me = result.data?.me;
  if (!me) return;
  $('#totp-status').textContent = me.totpEnabled
    ? `On: sign-in asks for a code from your authenticator app. ${me.recoveryCodesRemaining} recovery codes left.`
    : 'Off: your password alone signs you in.';
  $('#totp-setup-form').hidden = me.totpEnabled;
}

const securityPage = createSecurityPage({ client, root: $('#security-page'), showError });
const passkeysPanel = createPasskeysPanel({
  client,
  mutate,
  session,
  root: $('#passkeys-section'),
  ask: askToReauthenticate,
  showError,
  showNotice,
  // A passkey added or removed is in the security log: show it.
  changed: () => void securityPage.show(),
});

/** Which page of the signed-in area is shown: `#security`, or the profile. */
function route(): void {
  const security = window.location.hash === '#security';
  $('#profile-page').hidden = security;
  $('#security-page').hidden = !security;
  if (security && session.token) void Promise.all([securityPage.show(), passkeysPanel.show()]);
}
window.addEventListener('hashchange', route);

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
    $('#totp-enrol').hidden = true;
    $('#recovery').hidden = true;
    $('#recovery-codes').replaceChildren();
    securityPage.clear();
    passkeysPanel.clear();
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
  try {
    // With two-factor on, login answers MFA_REQUIRED and the code form is shown (and shown again
    // after a wrong code) until verifyLogin signs in.
    await signInWithSecondFactor(mutate, session, { email, password }, async (attempt) => {
      showError(attempt > 1 ? 'Invalid code' : null);
      return (await nextSubmit($<HTMLFormElement>('#code-form'))).code ?? '';
    });
  } catch (e) {
    $('#code-form').hidden = true;
    return showError(e instanceof SignInError ? e.message : 'Log-in failed');
  }
  showError(null);
  form.reset();
  await showProfile();
});

// "Sign in with a passkey": the e-mail is optional (without it the authenticator offers every
// passkey it holds for this site). The tokens are kept exactly as a password login keeps them.
$('#passkey-login').addEventListener('click', async () => {
  const form = $<HTMLFormElement>('#login-form');
  const { email = '' } = formValues(form);
  showNotice(null);
  try {
    await signInWithPasskey(mutate, session, {
      email,
      authenticate: (optionsJSON: PublicKeyCredentialRequestOptionsJSON) => startAuthentication({ optionsJSON }),
    });
  } catch (e) {
    return showError(passkeySignInMessage(e));
  }
  showError(null);
  form.reset();
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

$<HTMLFormElement>('#totp-setup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { currentPassword = '' } = formValues(form);
  const result = await stepUp(() => mutate(SetupTotpMutation, { currentPassword }));
  const setup = result.data?.setupTotp;
  if (!setup) return showError(messageOf(result, 'Could not start the setup'));
  showError(null);
  form.reset();
  form.hidden = true;
  // The SVG as an image: shown, never parsed into this page's DOM.
  $<HTMLImageElement>('#totp-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrCodeSvg)}`;
  $('#totp-secret').textContent = setup.secret;
  $('#totp-enrol').hidden = false;
});

$<HTMLFormElement>('#totp-confirm-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { code = '' } = formValues(form);
  const result = await mutate(ConfirmTotpMutation, { code: code.trim() });
  if (!result.data) return showError(messageOf(result, 'Could not turn two-factor on'));
  showError(null);
  form.reset();
  $('#totp-enrol').hidden = true;
  const list = $('#recovery-codes');
  list.replaceChildren(
    ...result.data.confirmTotp.map((c) => Object.assign(document.createElement('li'), { textContent: c })),
  );
  $('#recovery').hidden = false;
  await showTwoFactor();
});

$('#logout').addEventListener('click', async () => {
  showError(null);
  // Revoke the refresh token on the server (the cookie's, when the argument is null), then forget both.
  await client.mutation(LogoutMutation, { refreshToken: session.refreshToken }).toPromise();
  session.signOut();
});

$('#delete-account').addEventListener('click', async () => {
  if (!window.confirm('Delete your account? This cannot be undone.')) return;
  const result = await stepUp(() => mutate(DeleteUserMutation, {}));
  if (!result.data) return showError(messageOf(result, 'Could not delete the account'));
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
route();
if (!linkPage && session.token) void showProfile();
