import { describe, expect, it } from 'vitest';
import { renderMail } from '../src/mail/templates.js';

/**
 * Names are checked when written, but rows from before a rule existed reach the templates as they
 * were stored: they must not add lines to a mail, or reorder its text.
 */
describe('mail templates, given a name stored before the display-name rules', () => {
  const legacy = 'Laptop\r\n\r\nThis was you: no action is needed.\u202E';

  it('keep a passkey name on its own line of the notice, its controls shown as U+FFFD', () => {
    const mail = renderMail('Acme', { kind: 'PASSKEY_ADDED', name: 'Ada', passkeyName: legacy });
    const line = mail.text.split('\n').find((l) => l.startsWith('A passkey'))!;
    expect(line).toContain('("Laptop\ufffd\ufffd\ufffd\ufffdThis was you: no action is needed.\ufffd")');
    expect(mail.text).not.toMatch(/^This was you/m);
    expect(mail.html).not.toContain('\u202E');
  });

  it('do the same for the account name in the greeting of every mail', () => {
    const mail = renderMail('Acme', { kind: 'PASSWORD_CHANGED', name: 'Eve\nSupport\u2028team' });
    expect(mail.text.split('\n')[0]).toBe('Hello Eve\ufffdSupport\ufffdteam,');
  });

  it('leave text that follows the rules as it is', () => {
    const mail = renderMail('Acme', { kind: 'PASSKEY_REMOVED', name: 'Zoë 👩‍💻', passkeyName: 'Rhys’ phone' });
    expect(mail.text.split('\n')[0]).toBe('Hello Zoë 👩‍💻,');
    expect(mail.text).toContain('("Rhys’ phone")');
  });
});
