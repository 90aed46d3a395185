// TCP probe: can a connection be opened? Nothing is sent.
import { connect, isIP } from 'node:net';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import { reasonOf } from './reasons.js';
import type { TcpProbe } from './spec.js';
import { Deadline, describeError } from './util.js';

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export async function tcpProbe(spec: TcpProbe, timeoutMs: number, signal: AbortSignal | undefined, clock: PhaseClock): Promise<Outcome> {
  const target = `tcp ${hostPort(spec.host, spec.port)}`;
  if (!validPort(spec.port)) return fail('invalid', `${target}: not a valid port`);
  const dl = new Deadline(timeoutMs, signal);
  const socket = connect({ host: spec.host, port: spec.port });
  clock.watch(socket, false);
  try {
    await dl.race(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
    );
    const latencyMs = clock.now();
    return pass(`${target} → connected in ${Math.round(latencyMs)}ms`, { latencyMs });
  } catch (err) {
    if (dl.fired) {
      const stage = clock.stage({ resolves: isIP(spec.host) === 0, answer: 'a connection' });
      return fail(dl.timedOut ? 'timeout' : 'aborted', `${target} → ${dl.explain(stage)}, expected a connection`);
    }
    return fail(reasonOf(err), `${target} → ${describeError(err)}, expected a connection`);
  } finally {
    socket.on('error', () => {});
    socket.destroy();
    dl.dispose();
  }
}
