// Where a drill's mail arrives: the built-in SMTP sink (sink.ts) or a Mailpit server (mailpit.ts). The
// drill reads arrivals through this one shape and matches them to delivery records by header.

export interface SeenMail {
  /** When it arrived (the sink's clock; Mailpit's `Created`). */
  readonly atMs: number;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** Lower-case names, only those worth keeping as evidence (see KEPT_HEADERS): no bodies, no secrets. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface DrillMailbox {
  readonly kind: 'built-in' | 'mailpit';
  /** Where the drill's mail is sent. */
  readonly smtp: { readonly host: string; readonly port: number };
  /** For the log and the evidence (no credentials). */
  readonly describe: string;
  /** What has arrived so far, oldest first. */
  messages(): Promise<readonly SeenMail[]>;
  close(): Promise<void>;
}

/** The headers a drill keeps of each message it saw. */
export const KEPT_HEADERS = ['date', 'from', 'to', 'subject', 'message-id', 'x-runledger-drill', 'x-runledger-incident', 'x-runledger-delivery'] as const;

export function keptHeaders(all: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) if (all[k] !== undefined) out[k] = all[k];
  return out;
}
