/**
 * Every mail the API sends, in one place: subject, plain text and HTML. Each names the product
 * and says in its subject what it is. The plain-text part carries each link whole (the contract:
 * `<APP_URL>/reset-password?token=...`), so it works in any client and in tests.
 */

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type MailTemplate =
  | { kind: 'VERIFY_EMAIL'; name: string; link: string; ttlSeconds: number }
  | { kind: 'CONFIRM_EMAIL_CHANGE'; name: string; link: string; ttlSeconds: number; newEmail: string }
  | { kind: 'EMAIL_CHANGE_NOTICE'; name: string; newEmail: string }
  | { kind: 'PASSWORD_RESET'; name: string; link: string; ttlSeconds: number }
  | { kind: 'PASSWORD_CHANGED'; name: string }
  | { kind: 'PASSKEY_ADDED'; name: string; passkeyName: string | null }
  | { kind: 'PASSKEY_REMOVED'; name: string; passkeyName: string | null };

export type MailKind = MailTemplate['kind'];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '24 hours' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

interface Parts {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; link: string };
  footer: string;
}

function compose(product: string, p: Parts): RenderedMail {
  const text = [
    p.greeting,
    '',
    ...p.paragraphs.flatMap((para) => [para, '']),
    ...(p.action ? [`${p.action.label}:`, p.action.link, ''] : []),
    p.footer,
    '',
    `-- ${product}`,
    '',
  ].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(p.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:36rem;margin:0 auto;padding:1rem">
<p>${e(p.greeting)}</p>
${p.paragraphs.map((para) => `<p>${e(para)}</p>`).join('\n')}
${
  p.action
    ? `<p><a href="${e(p.action.link)}" style="display:inline-block;padding:.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">${e(p.action.label)}</a></p>
<p style="font-size:.9em">Or open this address: <br><a href="${e(p.action.link)}">${e(p.action.link)}</a></p>`
    : ''
}
<p style="font-size:.9em;color:#555">${e(p.footer)}</p>
<p style="font-size:.9em;color:#555">${e(product)}</p>
</body></html>
`;
  return { subject: p.subject, text, html };
}

/**
 * What people named (an account, a passkey) is checked when written (src/users/validation.ts),
 * but a row from before a rule existed must still not start a line of its own in a mail, or
 * reorder the text around it: control characters, line separators and bidirectional controls
 * show as U+FFFD.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_IN_MAIL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function shown(text: string): string {
  return text.replace(UNSAFE_IN_MAIL, '\ufffd');
}

export function renderMail(product: string, mail: MailTemplate): RenderedMail {
  const t = {
    ...mail,
    name: shown(mail.name),
    ...('passkeyName' in mail && mail.passkeyName ? { passkeyName: shown(mail.passkeyName) } : {}),
  } as MailTemplate;
  const greeting = `Hello ${t.name},`;
  switch (t.kind) {
    case 'VERIFY_EMAIL':
      return compose(product, {
        subject: `Confirm your e-mail address for ${product}`,
        greeting,
        paragraphs: [`Please confirm that this is your e-mail address for your ${product} account.`],
        action: { label: 'Confirm my e-mail address', link: t.link },
        footer: `The link works once, for ${duration(t.ttlSeconds)}. If you did not sign up, ignore this mail.`,
      });
    case 'CONFIRM_EMAIL_CHANGE':
      return compose(product, {
        subject: `Confirm your new e-mail address for ${product}`,
        greeting,
        paragraphs: [`Someone asked to change the e-mail address of a ${product} account to ${t.newEmail}.`],
        action: { label: 'Use this e-mail address', link: t.link },
        footer: `The link works once, for ${duration(t.ttlSeconds)}. If this was not you, ignore this mail: nothing changes.`,
      });
    case 'EMAIL_CHANGE_NOTICE':
      return compose(product, {
        subject: `Your ${product} e-mail address is being changed`,
        greeting,
        paragraphs: [
          `Someone signed in to your ${product} account asked to change its e-mail address to ${t.newEmail}.`,
          'It changes only once the link mailed to the new address is opened.',
        ],
        footer: 'If this was not you, change your password now: whoever did it knows it.',
      });
    case 'PASSWORD_RESET':
      return compose(product, {
        subject: `Reset your ${product} password`,
        greeting,
        paragraphs: [`Someone asked to reset the password of your ${product} account.`],
        action: { label: 'Choose a new password', link: t.link },
        footer: `The link works once, for ${duration(t.ttlSeconds)}. If you did not ask for it, ignore this mail: your password stays as it is.`,
      });
    case 'PASSWORD_CHANGED':
      return compose(product, {
        subject: `Your ${product} password was changed`,
        greeting,
        paragraphs: [
          `The password of your ${product} account was just changed, and every device signed in to it was signed out.`,
        ],
        footer: 'If this was not you, reset your password at once with "Forgot password?" and contact support.',
      });
    case 'PASSKEY_ADDED':
      return compose(product, {
        subject: `A passkey was added to your ${product} account`,
        greeting,
        paragraphs: [
          `A passkey${t.passkeyName ? ` ("${t.passkeyName}")` : ''} was just added to your ${product} account: it can now sign in without the password.`,
        ],
        footer:
          'If this was not you, sign in, remove the passkey under your security settings, and change your password: whoever added it was signed in as you.',
      });
    case 'PASSKEY_REMOVED':
      return compose(product, {
        subject: `A passkey was removed from your ${product} account`,
        greeting,
        paragraphs: [
          `A passkey${t.passkeyName ? ` ("${t.passkeyName}")` : ''} was just removed from your ${product} account: it can no longer sign in.`,
        ],
        footer: 'If this was not you, change your password and sign out your other sessions.',
      });
  }
}
