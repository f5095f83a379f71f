import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { MailConfig } from '../config.js';

export type MailTransport = 'smtp' | 'file' | 'disabled';
import type { Logger } from '../logger.js';
import type { Background } from './background.js';
import { renderMail, type MailKind, type MailTemplate } from './templates.js';

/**
 * The mailer's one job: render a template and send it. Three transports (mailTransport in config.ts):
 *  - smtp: nodemailer over SMTP_URL, each send bounded in time (connect, greeting, socket
 *    inactivity, and the whole send), so a dead or slow server cannot hold a request;
 *  - file: outside production without SMTP_URL, each mail is written to DATA_DIR/mail/*.eml and
 *    summarised in the log with its link, so `npm start` needs no mail server;
 *  - disabled: production without SMTP_URL; sending fails with MailError('DISABLED').
 * Links and tokens are logged only by the file transport, which production never uses.
 */

export interface OutgoingMail {
  to: string;
  template: MailTemplate;
  /** For the log, instead of the address. */
  userId?: string;
}

export type MailFailure = 'DISABLED' | 'FAILED' | 'TIMEOUT';

export class MailError extends Error {
  constructor(
    readonly failure: MailFailure,
    detail: string,
  ) {
    super(detail);
    this.name = 'MailError';
  }
}

export interface Mailer {
  readonly transport: MailTransport;
  /** Sends and waits (bounded by MAIL_TIMEOUT); throws MailError. For requests whose user waits. */
  send(mail: OutgoingMail): Promise<void>;
  /** Sends without anyone waiting; a failure is logged, then `onFailure` runs (e.g. to void the link). */
  sendLater(mail: OutgoingMail, onFailure?: () => Promise<void>): void;
  /** One line for the start-up log saying where mail goes. */
  describe(): string;
  close(): void;
}

/** Why a send failed, for the log: nodemailer's code and the server's reply, never the message. */
function failureReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { code, responseCode, command } = e as { code?: string; responseCode?: number; command?: string };
  return [code, responseCode, command && `during ${command}`, e.message].filter(Boolean).join(' ');
}

function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * nodemailer, loaded with the first mail rather than at every start (about 70 ms of module loading,
 * for a server that may send no mail for hours, or none at all with mail disabled).
 */
let nodemailer: Promise<typeof import('nodemailer')['default']> | undefined;
const loadNodemailer = () => {
  nodemailer ??= import('nodemailer').then((m) => m.default);
  return nodemailer;
};

export function createMailer(
  config: MailConfig,
  opts: { transport: MailTransport; dataDir: string; logger: Logger; background: Background },
): Mailer {
  const { logger, background, transport } = opts;
  const from = config.from ?? `"${config.productName.replace(/["\\]/g, '')}" <no-reply@localhost>`;
  const timeoutMs = config.timeoutSeconds * 1000;
  // Made on first use (see loadNodemailer); `smtp` is kept to be closed at shutdown.
  let smtp: Transporter | undefined;
  let composer: Transporter | undefined;
  async function smtpTransport(): Promise<Transporter> {
    const { createTransport } = await loadNodemailer();
    smtp ??= createTransport({
      url: config.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // No pool: each mail opens its own connection, so one stuck connection holds one mail only.
      pool: false,
    });
    return smtp;
  }
  // Builds the RFC 5322 message without sending it, for the file transport.
  async function fileComposer(): Promise<Transporter> {
    const { createTransport } = await loadNodemailer();
    composer ??= createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return composer;
  }

  function message(mail: OutgoingMail) {
    const rendered = renderMail(config.productName, mail.template);
    return {
      rendered,
      options: {
        from,
        to: mail.to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
      },
    };
  }

  async function deliver(mail: OutgoingMail): Promise<void> {
    const kind: MailKind = mail.template.kind;
    const { rendered, options } = message(mail);
    if (transport === 'disabled') {
      throw new MailError('DISABLED', 'mail is disabled: set SMTP_URL');
    }
    if (transport === 'file') {
      const info = (await (await fileComposer()).sendMail(options)) as { message: Buffer };
      const dir = path.join(opts.dataDir, 'mail');
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(
        dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${kind.toLowerCase()}-${randomBytes(3).toString('hex')}.eml`,
      );
      await fs.writeFile(file, info.message, { mode: 0o600 });
      const link = 'link' in mail.template ? mail.template.link : undefined;
      // Development only (production never has the file transport): the link is what the developer clicks.
      logger.info(`mail written to ${file}`, { to: mail.to, subject: rendered.subject, link });
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const sender = await smtpTransport();
      await Promise.race([
        sender.sendMail(options),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new MailError('TIMEOUT', `no answer from the SMTP server within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (e) {
      if (e instanceof MailError) throw e;
      throw new MailError('FAILED', failureReason(e));
    } finally {
      clearTimeout(timer);
    }
    logger.info('mail sent', { kind, userId: mail.userId });
  }

  async function sendLogged(mail: OutgoingMail): Promise<void> {
    try {
      await deliver(mail);
    } catch (e) {
      const failure = e instanceof MailError ? e.failure : 'FAILED';
      const reason = e instanceof MailError ? e.message : failureReason(e);
      logger.warn('mail not sent', { kind: mail.template.kind, userId: mail.userId, failure, reason });
      throw e instanceof MailError ? e : new MailError('FAILED', reason);
    }
  }

  return {
    transport,
    send: sendLogged,
    sendLater(mail, onFailure) {
      background.run(`mail ${mail.template.kind}`, async () => {
        try {
          await sendLogged(mail);
        } catch {
          await onFailure?.();
        }
      });
    },
    describe() {
      if (transport === 'smtp') return `mail: SMTP via ${redactedUrl(config.smtpUrl!)}`;
      if (transport === 'file')
        return `mail: no SMTP_URL, so each mail is written to ${path.join(opts.dataDir, 'mail')} and its link logged`;
      return 'MAIL DISABLED: NODE_ENV=production and no SMTP_URL. Signup works, but no verification mail is sent, and password reset, resending verification and e-mail change answer MAIL_DISABLED. Set SMTP_URL (and MAIL_FROM) to turn mail on.';
    },
    close() {
      smtp?.close();
    },
  };
}
