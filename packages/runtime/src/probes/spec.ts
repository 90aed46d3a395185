// The probe contract lives in the pure core; this is the one place the runtime's probes import it from.
export type { CommandProbe, HttpProbe, PostgresProbe, ProbeKind, ProbeResult, ProbeSpec, RedisProbe, TcpProbe } from '@runledger/core';
