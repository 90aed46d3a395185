// Redis probe: one command over RESP on a plain socket (PING → PONG by default). No client library:
// the protocol needed for a health check is a dozen lines (resp.ts).
import { connect, isIP, type Socket } from 'node:net';
import { REDACTION_MARK } from '../redact.js';
import { cap, MAX_OBSERVED_TEXT_CHARS } from './observe.js';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import { reasonOf } from './reasons.js';
import { encodeCommand, parseReply, replyText, splitCommand, type Reply } from './resp.js';
import type { RedisProbe } from './spec.js';
import { hostPort, validPort } from './tcp.js';
import { Deadline, describeError, PeerClosed, quote } from './util.js';

/** Replies longer than this are not read further. */
const MAX_REPLY_BYTES = 1024 * 1024;
/** Error replies that mean "who are you": NOAUTH, WRONGPASS, and ACL's NOPERM. */
const AUTH_ERRORS = /^(NOAUTH|WRONGPASS|NOPERM)\b/;

export async function redisProbe(spec: RedisProbe, timeoutMs: number, signal: AbortSignal | undefined, clock: PhaseClock): Promise<Outcome> {
  let args: string[];
  try {
    args = splitCommand(spec.command ?? 'PING');
  } catch (err) {
    return fail('invalid', `redis ${hostPort(spec.host, spec.port)}: bad command (${describeError(err)})`);
  }
  const verb = (args[0] ?? '').toUpperCase();
  // The arguments of AUTH are a password: never shown, whatever the caller's redactor knows.
  const shownCmd = verb === 'AUTH' ? `AUTH ${REDACTION_MARK}` : args.join(' ');
  const target = `redis ${hostPort(spec.host, spec.port)} ${shownCmd}`;
  if (args.length === 0) return fail('invalid', `${target}: empty command`);
  if (!validPort(spec.port)) return fail('invalid', `${target}: not a valid port`);
  const expect = spec.expectReply ?? (verb === 'PING' && args.length === 1 ? 'PONG' : undefined);
  const expected = expect === undefined ? '' : `, expected ${quote(expect)}`;

  const dl = new Deadline(timeoutMs, signal);
  const socket = connect({ host: spec.host, port: spec.port });
  clock.watch(socket);
  let reply: Reply;
  try {
    reply = await dl.race(readReply(socket, args));
  } catch (err) {
    if (dl.fired) {
      const stage = clock.stage({ resolves: isIP(spec.host) === 0, answer: 'the reply' });
      return fail(dl.timedOut ? 'timeout' : 'aborted', `${target} → ${dl.explain(stage)}${expected}`);
    }
    const reason = err instanceof RespError ? 'protocol' : reasonOf(err);
    return fail(reason, `${target} → ${describeError(err)}${expected}`);
  } finally {
    socket.on('error', () => {});
    socket.destroy();
    dl.dispose();
  }

  const text = replyText(reply);
  const observation = { reply: cap(text, MAX_OBSERVED_TEXT_CHARS), latencyMs: clock.now() };
  const shown = text.length > 80 || text.includes('\n') ? `${Buffer.byteLength(text)} bytes` : quote(text);
  if (reply.type === 'error' && expect !== text) {
    return fail(AUTH_ERRORS.test(text) ? 'auth' : 'result', `${target} → error ${quote(text)}${expected}`, observation);
  }
  if (expect === undefined) return pass(`${target} → ${shown}`, observation);
  if (text === expect) return pass(`${target} → ${quote(text)}`, observation);
  // A multi-line reply (INFO) matches when one of its lines is the expected text: `role:master`.
  if (text.split(/\r?\n/).includes(expect)) return pass(`${target} → ${shown} with a line ${quote(expect)}`, observation);
  return fail('result', `${target} → ${shown}${expected}${shown === quote(text) ? '' : ' (or a line equal to it)'}`, observation);
}

/** The peer sent something that is not RESP, or too much of it. */
class RespError extends Error {}

function readReply(socket: Socket, args: readonly string[]): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const r = parseReply(buf);
        if (r) resolve(r.reply);
        else if (buf.length > MAX_REPLY_BYTES) reject(new RespError(`reply larger than ${MAX_REPLY_BYTES} bytes`));
      } catch (err) {
        reject(new RespError((err as Error).message));
      }
    });
    socket.once('end', () => reject(new PeerClosed('connection closed before a reply')));
  });
}
