// Sending a notification over HTTP: a signed Standard Webhooks POST, or a Slack-compatible chat
// message. A fresh connection per attempt (no pooled socket that might be half dead), a hard
// timeout, and the outcome as the delivery rule in core expects it. URLs may hold tokens (chat
// webhooks do): they never appear in an outcome or an error message, only their origin.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signWebhook, type AttemptOutcome } from '@runledger/core';

export interface HttpSend {
  readonly url: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The part of a URL that is safe to show: scheme, host and port. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export function postJson(s: HttpSend): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(s.url);
    } catch {
      resolve({ kind: 'network', error: 'invalid URL' });
      return;
    }
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(s.body, 'utf8');
    const req = send(
      u,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'runledger', ...s.headers },
      },
      (res) => {
        res.resume(); // the body is not needed; draining frees the socket
        res.on('end', () =>
          resolve({
            kind: 'http',
            status: res.statusCode ?? 0,
            ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}),
          }),
        );
        res.on('error', (e) => resolve({ kind: 'network', error: `${urlOrigin(s.url)}: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
      },
    );
    req.setTimeout(s.timeoutMs ?? 10_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'network', error: `${urlOrigin(s.url)}: ${e.code ?? e.message}` }));
    req.end(body);
  });
}

/** A generic webhook, signed with every active secret (newest first) the Standard Webhooks way. */
export function sendWebhook(p: {
  url: string;
  secrets: readonly string[];
  id: string;
  payload: unknown;
  nowMs: number;
  timeoutMs?: number;
}): Promise<AttemptOutcome> {
  const body = JSON.stringify(p.payload);
  const headers = signWebhook(p.secrets, p.id, Math.floor(p.nowMs / 1000), body);
  return postJson({ url: p.url, body, headers: { ...headers }, ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}) });
}

/** A Slack-compatible incoming-webhook message (`{"text": …}`; Mattermost and others take it too). */
export function sendChat(p: { url: string; text: string; timeoutMs?: number }): Promise<AttemptOutcome> {
  return postJson({ url: p.url, body: JSON.stringify({ text: p.text }), ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}) });
}
