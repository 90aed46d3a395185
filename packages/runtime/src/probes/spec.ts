// The probe contract lives in the pure core; this is the one place the runtime's probes import it from.
export type {
  CertObservation,
  CommandProbe,
  DnsProbe,
  DnsRecordType,
  HttpProbe,
  PostgresProbe,
  ProbeKind,
  ProbeObservation,
  ProbePhases,
  ProbeReason,
  ProbeResult,
  ProbeSpec,
  RedisProbe,
  TcpProbe,
} from '@runledger/core';
export { PROBE_REASONS } from '@runledger/core';
