// A webhook receiver on loopback that records every request, checks Standard Webhooks signatures with
// core's own verifier, and answers from a queue the test sets (500, then 429 with Retry-After, …)
// before falling back to 200, so a sender's retry rule meets real HTTP answers.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, DEFAULT_TOLERANCE_S } from '@runledger/core';
import { Inbox } from './inbox.js';

export interface WebhookSinkOptions {
  /** `whsec_…` secrets the receiver knows (several while a rotation overlaps): a request is valid if any verifies. */
  readonly secrets?: readonly string[];
  /** Timestamp tolerance in seconds (default the spec's 5 minutes). */
  readonly toleranceS?: number;
}

export interface WebhookReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface WebhookRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
  /** undefined when the sink has no secrets; otherwise whether any secret verified the signature. */
  readonly signatureValid: boolean | undefined;
  /** Why verification failed (verifyWebhook's reason), when it did. */
  readonly signatureReason?: string;
  /** The status this request was answered with. */
  readonly status: number;
  readonly at: number;
}

export interface WebhookSink {
  /** `http://127.0.0.1:PORT` (every path is accepted). */
  readonly url: string;
  readonly requests: WebhookRequest[];
  /** Queues answers for the next requests, in order; after them the sink answers 200. */
  respondWith(...replies: WebhookReply[]): void;
  waitFor(pred?: (r: WebhookRequest) => boolean, timeoutMs?: number): Promise<WebhookRequest>;
  close(): Promise<void>;
}

const OK: WebhookReply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };

export async function startWebhookSink(opts: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const inbox = new Inbox<WebhookRequest>('webhook request');
  const queue: WebhookReply[] = [];
  const secrets = opts.secrets ?? [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      let signatureValid: boolean | undefined;
      let signatureReason: string | undefined;
      if (secrets.length > 0) {
        const h: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) h[k] = Array.isArray(v) ? v.join(', ') : v;
        const nowS = Math.floor(Date.now() / 1000);
        // The raw bytes, not the decoded string: a signature covers exactly what was sent.
        const verdicts = secrets.map((s) => verifyWebhook(s, h, raw, nowS, opts.toleranceS ?? DEFAULT_TOLERANCE_S));
        signatureValid = verdicts.some((v) => v.ok);
        if (!signatureValid) signatureReason = verdicts.map((v) => (v.ok ? '' : v.reason)).find(Boolean);
      }
      const reply = queue.shift() ?? OK;
      inbox.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        signatureValid,
        ...(signatureReason ? { signatureReason } : {}),
        status: reply.status,
        at: Date.now(),
      });
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: inbox.items,
    respondWith: (...replies) => void queue.push(...replies),
    waitFor: (pred, timeoutMs) => inbox.waitFor(pred, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
