// Error → ProbeReason: the closed set the core defines, from the codes Node, OpenSSL and the DNS
// resolver put on their errors. Anything unrecognised is 'error', never a guess.
import type { ProbeReason } from './spec.js';

export type FailureReason = Exclude<ProbeReason, 'ok'>;
import { innermost, PeerClosed } from './util.js';

const BY_CODE: Readonly<Record<string, FailureReason>> = {
  ECONNREFUSED: 'connect_refused',
  ECONNRESET: 'connect_reset',
  ECONNABORTED: 'connect_reset',
  EPIPE: 'connect_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NODATA: 'dns',
  EAI_NONAME: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
  EREFUSED: 'dns',
  EBADNAME: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  // The OS (or the resolver) gave up before our deadline did: still a timeout.
  ETIMEDOUT: 'timeout',
  ETIMEOUT: 'timeout',
  CERT_HAS_EXPIRED: 'tls_expired',
  EPROTO: 'tls_handshake',
};

/** OpenSSL's verify errors (X509_V_ERR_* without the prefix) and Node's hostname check. */
const TLS_INVALID =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH|ERROR_IN_CERT)/;

export function reasonOf(err: unknown): FailureReason {
  if (err instanceof PeerClosed) return 'connect_reset';
  const code = innermost(err)?.code;
  if (typeof code !== 'string') return 'error';
  const known = BY_CODE[code];
  if (known) return known;
  if (TLS_INVALID.test(code)) return 'tls_invalid';
  if (code.startsWith('ERR_SSL_')) return 'tls_handshake';
  // llhttp's parse errors: the peer answered, but not with HTTP.
  if (code.startsWith('HPE_')) return 'protocol';
  // Node refusing what the probe asked for (a header with a newline, a bad path): the definition's fault.
  if (code.startsWith('ERR_INVALID_') || code === 'ERR_UNESCAPED_CHARACTERS') return 'invalid';
  return 'error';
}
