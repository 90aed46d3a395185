// Redis probe: one command over RESP on a plain socket (PING → PONG by default). No client library:
// the protocol needed for a health check is a dozen lines (resp.ts).
import { connect } from 'node:net';
import { REDACTION_MARK } from '../redact.js';
import type { Outcome } from './http.js';
import { encodeCommand, parseReply, replyText, splitCommand, type Reply } from './resp.js';
import type { RedisProbe } from './spec.js';
import { hostPort } from './tcp.js';
import { Deadline, describeError, quote } from './util.js';

/** Replies longer than this are not read further. */
const MAX_REPLY_BYTES = 1024 * 1024;

export async function redisProbe(spec: RedisProbe, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  let args: string[];
  try {
    args = splitCommand(spec.command ?? 'PING');
  } catch (err) {
    return { ok: false, detail: `redis ${hostPort(spec.host, spec.port)}: bad command (${describeError(err)})` };
  }
  const verb = (args[0] ?? '').toUpperCase();
  // The arguments of AUTH are a password: never shown, whatever the caller's redactor knows.
  const shownCmd = verb === 'AUTH' ? `AUTH ${REDACTION_MARK}` : args.join(' ');
  const target = `redis ${hostPort(spec.host, spec.port)} ${shownCmd}`;
  if (args.length === 0) return { ok: false, detail: `${target}: empty command` };
  const expect = spec.expectReply ?? (verb === 'PING' && args.length === 1 ? 'PONG' : undefined);

  const dl = new Deadline(timeoutMs, signal);
  const socket = connect({ host: spec.host, port: spec.port });
  let reply: Reply;
  try {
    reply = await dl.race(
      new Promise<Reply>((resolve, reject) => {
        let buf = Buffer.alloc(0);
        socket.once('error', reject);
        socket.once('connect', () => socket.write(encodeCommand(args)));
        socket.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          try {
            const r = parseReply(buf);
            if (r) resolve(r.reply);
            else if (buf.length > MAX_REPLY_BYTES) reject(new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`));
          } catch (err) {
            reject(err as Error);
          }
        });
        socket.once('end', () => reject(new Error('connection closed before a reply')));
      }),
    );
  } catch (err) {
    return { ok: false, detail: `${target} → ${dl.fired ? dl.reason : describeError(err)}${expect === undefined ? '' : `, expected ${quote(expect)}`}` };
  } finally {
    socket.on('error', () => {});
    socket.destroy();
    dl.dispose();
  }

  const text = replyText(reply);
  const shown = text.length > 80 || text.includes('\n') ? `${Buffer.byteLength(text)} bytes` : quote(text);
  if (reply.type === 'error' && expect !== text) {
    return { ok: false, detail: `${target} → error ${quote(text)}${expect === undefined ? '' : `, expected ${quote(expect)}`}` };
  }
  if (expect === undefined) return { ok: true, detail: `${target} → ${shown}` };
  if (text === expect) return { ok: true, detail: `${target} → ${quote(text)}` };
  // A multi-line reply (INFO) matches when one of its lines is the expected text: `role:master`.
  if (text.split(/\r?\n/).includes(expect)) return { ok: true, detail: `${target} → ${shown} with a line ${quote(expect)}` };
  return { ok: false, detail: `${target} → ${shown}, expected ${quote(expect)}${shown === quote(text) ? '' : ' (or a line equal to it)'}` };
}
