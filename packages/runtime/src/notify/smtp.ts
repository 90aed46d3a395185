// Email over SMTP with nodemailer. One transport per receiver (pooled connections would hide a dead
// server until the next message). The outcome carries the server's reply code and queue id, and the
// Message-ID we set, so a delivery record says exactly what the server accepted.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AttemptOutcome } from '@runledger/core';

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly username?: string;
  readonly password?: string;
}

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** Extra headers, e.g. X-Runledger-Incident, X-Runledger-Drill. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SmtpOutcome {
  readonly outcome: AttemptOutcome;
  readonly messageId: string;
}

/** The domain our Message-IDs carry (the sender's). */
function domainOf(from: string): string {
  const m = /@([^\s>]+)>?\s*$/.exec(from);
  return m ? m[1]! : 'runledger.local';
}

export async function sendMail(target: SmtpTarget, msg: MailMessage, timeoutMs = 15_000): Promise<SmtpOutcome> {
  const messageId = `<${randomUUID()}@${domainOf(msg.from)}>`;
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.username ? { auth: { user: target.username, pass: target.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    const info = await transport.sendMail({
      from: msg.from,
      to: [...msg.to],
      subject: msg.subject,
      text: msg.text,
      messageId,
      ...(msg.headers ? { headers: { ...msg.headers } } : {}),
    });
    const response = String(info.response ?? '');
    const code = Number(/^(\d{3})/.exec(response)?.[1] ?? 250);
    return { outcome: { kind: 'smtp', code, response }, messageId };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
    if (typeof err.responseCode === 'number')
      return { outcome: { kind: 'smtp', code: err.responseCode, response: String(err.response ?? err.message ?? '') }, messageId };
    // nodemailer's code is generic (ESOCKET); its message names the cause (`connect ECONNREFUSED …`).
    const why = [err.code, err.message].filter((x) => x !== undefined && x !== '').join(' ') || String(e);
    return { outcome: { kind: 'network', error: `${target.host}:${target.port}: ${why}` }, messageId };
  } finally {
    transport.close();
  }
}
