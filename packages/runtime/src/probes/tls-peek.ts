// After a failed verification, one more handshake with verification off, only to read the chain and
// say which certificate failed ("CN=R3 expired 2026-01-02"). Nothing is sent over it: no request, no
// credentials; it is closed as soon as the handshake ends, within the probe's own deadline.
import { connect, type DetailedPeerCertificate, type SecureContext } from 'node:tls';
import type { Deadline } from './util.js';

export async function peekChain(
  host: string,
  port: number,
  servername: string | undefined,
  context: SecureContext | undefined,
  dl: Deadline,
): Promise<DetailedPeerCertificate | undefined> {
  const socket = connect({
    host,
    port,
    ...(servername ? { servername } : {}),
    ...(context ? { secureContext: context } : {}),
    rejectUnauthorized: false,
  });
  try {
    return await dl.race(
      new Promise<DetailedPeerCertificate>((resolve, reject) => {
        socket.once('secureConnect', () => resolve(socket.getPeerCertificate(true)));
        socket.once('error', reject);
      }),
    );
  } catch {
    return undefined;
  } finally {
    socket.on('error', () => {});
    socket.destroy();
  }
}
