import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the first mail (already received or still to come) that matches. */
  waitFor(test: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** How many SMTP connections were opened (a refusing server counts them too). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server in the test process, on 127.0.0.1 and a free port. `accept` keeps every mail
 * (parsed with mailparser, as a mail client would); `refuse` answers every recipient with 550;
 * `silent` accepts TCP connections and never says a word (a dead or stuck mail server).
 */
export async function startSmtp(mode: 'accept' | 'refuse' | 'silent' = 'accept'): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<(m: ReceivedMail) => void>();
  let connections = 0;
  let close: () => Promise<void>;
  let port: number;

  if (mode === 'silent') {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    close = () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      });
  } else {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, cb) {
        connections += 1;
        cb();
      },
      onRcptTo(_address, _session, cb) {
        if (mode === 'refuse') {
          const err = new Error('Mailbox unavailable') as Error & { responseCode: number };
          err.responseCode = 550;
          return cb(err);
        }
        cb();
      },
      onData(stream, session, cb) {
        simpleParser(stream).then(
          (parsed) => {
            const mail: ReceivedMail = {
              to: session.envelope.rcptTo.map((r) => r.address).join(','),
              from: typeof session.envelope.mailFrom === 'object' ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              parsed,
            };
            mails.push(mail);
            for (const w of waiters) w(mail);
            cb();
          },
          (e: Error) => cb(e),
        );
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as AddressInfo).port;
    close = () => new Promise<void>((r) => server.close(() => r()));
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    connections: () => connections,
    waitFor(test, timeoutMs = 10_000) {
      const seen = mails.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(watch);
          reject(
            new Error(
              `no matching mail within ${timeoutMs} ms; got: ${mails.map((m) => `${m.to}: ${m.subject}`).join('; ')}`,
            ),
          );
        }, timeoutMs);
        const watch = (m: ReceivedMail) => {
          if (!test(m)) return;
          clearTimeout(timer);
          waiters.delete(watch);
          resolve(m);
        };
        waiters.add(watch);
      });
    },
    close: () => close(),
  };
}

/** The link to `path` (e.g. /reset-password) in a mail's plain-text part, whole. */
export function linkIn(mail: { text: string }, path: string): URL {
  const m = new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_%-]+`).exec(mail.text);
  if (!m) throw new Error(`no ${path} link in:\n${mail.text}`);
  return new URL(m[0]);
}

export function tokenIn(mail: { text: string }, path: string): string {
  return linkIn(mail, path).searchParams.get('token')!;
}
