// An alert raised once when its condition starts and resolved once when it ends (the health host does
// the same for burn rules): each pass says what should be firing now, the latch sends only the changes.
// A pass whose raise fails changes nothing, so the next pass sends it again.
import type { OperationsHost } from '@runledger/runtime';

export interface LatchedAlert {
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export class AlertLatch {
  private firing = new Set<string>();

  /** `source`: the internal integration the alerts come from (`backups`, `anchors`). */
  constructor(
    private readonly operations: Pick<OperationsHost, 'raiseFrom'>,
    private readonly source: string,
    private readonly resolvedSummary: string,
  ) {}

  /** The fingerprints firing as far as this process has raised them. */
  get active(): ReadonlySet<string> {
    return this.firing;
  }

  async update(now: readonly LatchedAlert[]): Promise<void> {
    const next = new Set(now.map((a) => a.fingerprint));
    const alerts = [
      ...now.filter((a) => !this.firing.has(a.fingerprint)).map((a) => ({ ...a, status: 'firing' as const })),
      ...[...this.firing]
        .filter((f) => !next.has(f))
        .map((fingerprint) => ({ fingerprint, labels: {}, annotations: { summary: this.resolvedSummary }, status: 'resolved' as const })),
    ];
    if (alerts.length > 0) await this.operations.raiseFrom(this.source, alerts);
    this.firing = next;
  }
}
