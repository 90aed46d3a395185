// TCP probe: can a connection be opened? Nothing is sent.
import { connect } from 'node:net';
import type { Outcome } from './http.js';
import type { TcpProbe } from './spec.js';
import { Deadline, describeError } from './util.js';

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function tcpProbe(spec: TcpProbe, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const target = `tcp ${hostPort(spec.host, spec.port)}`;
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) return { ok: false, detail: `${target}: not a valid port` };
  const dl = new Deadline(timeoutMs, signal);
  const started = performance.now();
  const socket = connect({ host: spec.host, port: spec.port });
  try {
    await dl.race(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
    );
    return { ok: true, detail: `${target} → connected in ${Math.round(performance.now() - started)}ms` };
  } catch (err) {
    return { ok: false, detail: `${target} → ${dl.fired ? dl.reason : describeError(err)}, expected a connection` };
  } finally {
    socket.on('error', () => {});
    socket.destroy();
    dl.dispose();
  }
}
