// An in-process SMTP server on loopback that keeps every message it accepts (envelope, headers, parsed
// body, raw source). It answers `250 OK: queued as <id>` so senders can record the id, can require AUTH
// PLAIN, and can answer an SMTP error to the next N messages to exercise a sender's retries.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Inbox } from './inbox.js';

export interface SmtpMessage {
  /** The id in the 250 answer. */
  readonly queueId: string;
  readonly envelope: { readonly from: string; readonly to: string[] };
  /** Header names in lower case; the raw (unfolded) value; repeated headers joined with "\n". */
  readonly headers: Record<string, string>;
  readonly subject: string;
  readonly text: string;
  readonly messageId: string;
  /** The AUTH user, when the session authenticated. */
  readonly user?: string;
  readonly raw: string;
  readonly at: number;
}

export interface SmtpSinkOptions {
  /** Require AUTH PLAIN with these credentials (plaintext: loopback only). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Answer this error to the next `count` messages (at the end of DATA), e.g. 451 then accept. */
  readonly failNext?: SmtpFailure;
}

export interface SmtpFailure {
  readonly count: number;
  /** 4xx (temporary) or 5xx (permanent). */
  readonly code: number;
  readonly message?: string;
}

export interface SmtpSink {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly messages: SmtpMessage[];
  /** How many messages failNext has refused so far (each sender attempt counts). */
  readonly refused: () => number;
  waitFor(pred?: (m: SmtpMessage) => boolean, timeoutMs?: number): Promise<SmtpMessage>;
  /** Replaces any pending failures. */
  failNext(failure: SmtpFailure): void;
  close(): Promise<void>;
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

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const inbox = new Inbox<SmtpMessage>('SMTP message');
  let failure: SmtpFailure | undefined = opts.failNext;
  let refused = 0;
  const auth = opts.auth;
  const server = new SMTPServer({
    // No TLS on loopback; AUTH only when asked for, so plain senders never see it advertised.
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    authMethods: ['PLAIN'],
    allowInsecureAuth: true,
    logger: false,
    // A sender may hold its connection open after QUIT is due; a test's close() should not wait for it.
    closeTimeout: 200,
    onAuth(a, _session, cb) {
      if (auth && a.method === 'PLAIN' && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
      cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', cb);
      stream.on('end', () => {
        if (failure && failure.count > 0) {
          const f = failure;
          failure = f.count > 1 ? { ...f, count: f.count - 1 } : undefined;
          refused++;
          return cb(Object.assign(new Error(f.message ?? (f.code < 500 ? 'try again later' : 'message refused')), { responseCode: f.code }));
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((m) => {
            const queueId = randomBytes(6).toString('hex').toUpperCase();
            const from = session.envelope.mailFrom;
            inbox.push({
              queueId,
              envelope: { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
              headers: headerRecord(m.headerLines),
              subject: m.subject ?? '',
              text: m.text ?? '',
              messageId: m.messageId ?? '',
              ...(typeof session.user === 'string' ? { user: session.user } : {}),
              raw: raw.toString('utf8'),
              at: Date.now(),
            });
            cb(null, `OK: queued as ${queueId}`);
          })
          .catch((e: Error) => cb(Object.assign(e, { responseCode: 451 })));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    host: '127.0.0.1',
    port: (server.server.address() as AddressInfo).port,
    messages: inbox.items,
    refused: () => refused,
    waitFor: (pred, timeoutMs) => inbox.waitFor(pred, timeoutMs),
    failNext(f) {
      failure = f.count > 0 ? f : undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
