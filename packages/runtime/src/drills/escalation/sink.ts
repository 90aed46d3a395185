// The built-in mail sink: an SMTP server (smtp-server) that accepts every message, relays none, and
// keeps the envelope, subject and a few headers of each (never the body) while a drill runs. Plain
// SMTP without AUTH: it holds nothing worth stealing and listens on loopback unless told otherwise.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { keptHeaders, type DrillMailbox, type SeenMail } from './mailbox.js';

export interface SinkOptions {
  readonly host?: string;
  /** 0 (default): a free port. */
  readonly port?: number;
  readonly now?: () => Date;
  /** Messages larger than this are refused (552). */
  readonly maxBytes?: number;
  /** Messages kept at most; later ones are refused (452), so a runaway sender cannot fill memory. */
  readonly maxMessages?: number;
}

function headerRecord(lines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    out[key] = key in out ? `${out[key]}\n${value}` : value;
  }
  return out;
}

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

export async function startMailSink(o: SinkOptions = {}): Promise<DrillMailbox> {
  const now = o.now ?? (() => new Date());
  const maxBytes = o.maxBytes ?? 1024 * 1024;
  const maxMessages = o.maxMessages ?? 1000;
  const seen: SeenMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: maxBytes,
    // A sender may keep its connection after QUIT is due; closing the drill should not wait for it.
    closeTimeout: 200,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', cb);
      stream.on('end', () => {
        // The arrival time is the end of DATA: what a person's mail server would have at this moment.
        const atMs = now().getTime();
        if (stream.sizeExceeded) return cb(smtpError(552, `message larger than ${maxBytes} bytes`));
        if (seen.length >= maxMessages) return cb(smtpError(452, 'the drill sink is full'));
        simpleParser(Buffer.concat(chunks), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true })
          .then((m) => {
            const headers = headerRecord(m.headerLines);
            seen.push({
              atMs,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: m.subject ?? '',
              headers: keptHeaders({ ...headers, ...(m.subject !== undefined ? { subject: m.subject } : {}) }),
            });
            cb();
          })
          .catch((e: unknown) => cb(smtpError(451, `unreadable message: ${e instanceof Error ? e.message : String(e)}`)));
      });
    },
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors after listening (a client's broken connection) are the client's problem, not the drill's.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    kind: 'built-in',
    smtp: { host, port },
    describe: `built-in SMTP sink on ${host}:${port}`,
    messages: () => Promise.resolve([...seen]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
