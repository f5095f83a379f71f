import { randomBytes } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';

/**
 * GET /reset-password and GET /verify-email: the pages mailed links open when APP_URL does not
 * point them at a frontend. Small, self-contained HTML (no outside asset, inline script and style
 * allowed by a per-response nonce) that reads `?token=` and calls this server's GraphQL endpoint.
 *
 * The token is in the URL, so: no Referer leaves the page (Referrer-Policy), the response is not
 * cached, the page cannot be framed, and the script takes the token out of the address bar (and
 * so out of the history) as soon as it has read it. The verify page confirms on a button press,
 * not on load: mail scanners that open links must not spend the token. The reset page asks for a
 * second factor only once the server answers MFA_REQUIRED (an account with TOTP on), and sends
 * the same request again with `code`; every text it shows is set with textContent.
 */

type Page = 'reset' | 'verify';

const PATHS: Record<string, Page> = { '/reset-password': 'reset', '/verify-email': 'verify' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f7f9;margin:0}
main{max-width:28rem;margin:3rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #888;border-radius:4px}
button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:disabled{opacity:.6;cursor:wait}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.ok{color:#166534}.bad{color:#991b1b}
`;

// Runs in the browser. Plain ES2017, no imports: it is sent as it is.
const SCRIPT = `
(function () {
  var page = document.body.getAttribute('data-page');
  var token = new URLSearchParams(location.search).get('token');
  if (token) history.replaceState(null, '', location.pathname);
  var out = document.getElementById('result');
  var form = document.getElementById('form');
  var secondFactor = document.getElementById('second-factor');
  var codeInput = document.getElementById('code');
  function say(text, ok) { out.textContent = text; out.className = ok ? 'ok' : 'bad'; }
  if (!token) { form.hidden = true; say('This link is incomplete: it has no token. Open the whole link from the mail, or ask for a new one.', false); return; }
  function call(query, variables) {
    return fetch(${JSON.stringify('/graphql')}, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ query: query, variables: variables })
    }).then(function (r) { return r.json(); });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    var request;
    if (page === 'reset') {
      var pw = document.getElementById('password').value;
      if (pw !== document.getElementById('confirm').value) { say('The two passwords are not the same.', false); return; }
      // Shown once the server has said the account has a second factor (MFA_REQUIRED below);
      // until then no code is sent, so accounts without one never see the field.
      var code = secondFactor.hidden ? null : codeInput.value.trim();
      if (code === '') { say('Enter the code from your authenticator app, or a recovery code.', false); codeInput.focus(); return; }
      request = call('mutation ResetPassword($token: String!, $newPassword: String!, $code: String) { resetPassword(token: $token, newPassword: $newPassword, code: $code) { user { email } } }', { token: token, newPassword: pw, code: code });
    } else {
      request = call('mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { email emailVerified } }', { token: token });
    }
    button.disabled = true;
    say('Working…', true);
    request.then(function (body) {
      var error = body.errors && body.errors[0];
      if (error) {
        var ext = error.extensions || {};
        // A refused link cannot succeed on a retry; a weak password can.
        if (ext.field === 'token') form.hidden = true;
        button.disabled = false;
        if (ext.code === ${JSON.stringify(ErrorCode.MFA_REQUIRED)} && secondFactor) {
          // The link alone is not enough for this account: ask for the code and send again.
          secondFactor.hidden = false;
          codeInput.focus();
          say('This account has two-step sign-in: enter the code from your authenticator app, or one of your recovery codes, then press the button again.', false);
          return;
        }
        if (ext.code === ${JSON.stringify(ErrorCode.UNAUTHENTICATED)} && secondFactor && !secondFactor.hidden) {
          // A wrong code leaves the link usable: clear the field for the next try.
          codeInput.value = '';
          codeInput.focus();
          say('That code is not right (' + error.message + '). Enter the current code from your authenticator app, or an unused recovery code.', false);
          return;
        }
        say(error.message + (ext.retryAfter ? ' (try again in ' + ext.retryAfter + ' s)' : ''), false);
        return;
      }
      form.hidden = true;
      if (page === 'reset') say('Your password has been changed, and every other session signed out. Sign in with the new password (' + body.data.resetPassword.user.email + ').', true);
      else say('Your e-mail address ' + body.data.verifyEmail.email + ' is confirmed. You can close this page.', true);
    }, function () {
      button.disabled = false;
      say('The server could not be reached. Check your connection and try again.', false);
    });
  });
})();
`;

export function renderLinkPage(page: Page, productName: string, nonce: string): string {
  const product = escapeHtml(productName);
  const title = page === 'reset' ? 'Choose a new password' : 'Confirm your e-mail address';
  const form =
    page === 'reset'
      ? `<form id="form" novalidate>
  <label for="password">New password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256" aria-describedby="hint">
  <p id="hint">8 to 256 characters.</p>
  <label for="confirm">Repeat the new password</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" maxlength="256">
  <div id="second-factor" hidden>
    <label for="code">Code from your authenticator app, or a recovery code</label>
    <input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="64" aria-describedby="code-hint">
    <p id="code-hint">Six digits from the app, or one of the recovery codes you saved when you turned two-step sign-in on.</p>
  </div>
  <button type="submit">Set new password</button>
</form>`
      : `<form id="form">
  <p>Press the button to confirm this e-mail address for your ${product} account.</p>
  <button type="submit">Confirm my e-mail address</button>
</form>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${product}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-page="${page}">
<main>
<h1>${title}</h1>
<p>${product}</p>
${form}
<p id="result" role="status" aria-live="polite"></p>
<noscript><p class="bad">This page needs JavaScript to talk to the server.</p></noscript>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

export function useLinkPages(productName: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const page = PATHS[url.pathname];
      if (!page || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const nonce = randomBytes(16).toString('base64');
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : renderLinkPage(page, productName, nonce), {
          status: 200,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
            'referrer-policy': 'no-referrer',
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
          },
        }),
      );
    },
  };
}
