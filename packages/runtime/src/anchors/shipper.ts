// Ships the ledger's growth to each anchor destination every few seconds (and on demand), so the
// ledger's own RPO is one interval and a rollback or rewrite of this host is caught off it.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { anchorFileName, bytesEqual, parseShipment, toBase64 } from '@runledger/ledger';
import type { LedgerReader } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { buildShipment, type BuildOptions } from './build.js';
import { runDestinationCommand } from '../destinations/command.js';
import { destinationKey, type AnchorDestination } from '../destinations/spec.js';
import { newestAnchorName, writeFileDurably } from './files.js';

export interface ShipResult {
  readonly destination: string;
  /** Shipped now, or already current. */
  readonly shipped: boolean;
  readonly from: number;
  readonly size: number;
  readonly entries: number;
  readonly file?: string;
}

export interface DestinationStatus {
  readonly destination: string;
  /** Size of the newest checkpoint this destination holds (as far as this process knows). */
  readonly size: number;
  /** When this destination was last known to hold the live head (ms since the epoch). */
  readonly currentAtMs: number | undefined;
  readonly lastError: string | undefined;
}

export interface ShipperOptions extends BuildOptions {
  readonly reader: LedgerReader;
  readonly destinations: readonly AnchorDestination[];
  /** Local state of command destinations (last shipped size) and their outbox: <data dir>/anchors. */
  readonly stateDir: string;
  readonly intervalMs?: number;
  readonly commandTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  readonly onError?: (destination: string, e: unknown) => void;
}

interface CommandState {
  readonly destination: string;
  readonly size: number;
  readonly root: string;
}

export class AnchorShipper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ShipResult[]> | undefined;
  private readonly state = new Map<string, { size: number; currentAtMs: number | undefined; lastError: string | undefined }>();

  constructor(private readonly opts: ShipperOptions) {
    for (const d of opts.destinations) this.state.set(d.id, { size: 0, currentAtMs: undefined, lastError: undefined });
  }

  start(): void {
    if (this.timer || this.opts.destinations.length === 0) return;
    this.timer = setInterval(() => void this.shipNow().catch(() => undefined), this.opts.intervalMs ?? 5000);
    this.timer.unref();
    void this.shipNow().catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  status(): DestinationStatus[] {
    return this.opts.destinations.map((d) => ({ destination: d.id, ...this.state.get(d.id)! }));
  }

  /** One round over every destination; rounds never overlap (a caller joins the one in progress). */
  shipNow(): Promise<ShipResult[]> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<ShipResult[]> {
    const out: ShipResult[] = [];
    const errors: string[] = [];
    for (const d of this.opts.destinations) {
      const st = this.state.get(d.id)!;
      try {
        const r = d.kind === 'dir' ? await this.shipToDir(d.dir, d.id) : await this.shipToCommand(d);
        st.size = r.size;
        st.currentAtMs = (this.opts.now ?? Date.now)();
        st.lastError = undefined;
        out.push(r);
      } catch (e) {
        st.lastError = (e as Error).message;
        errors.push(`${d.id}: ${st.lastError}`);
        this.opts.onError?.(d.id, e);
      }
    }
    if (errors.length > 0 && out.length === 0) throw new RuntimeError('ANCHOR_SHIP_FAILED', errors.join('; '));
    return out;
  }

  /**
   * Where the destination's newest anchor ends, after checking the live ledger still holds it: a
   * smaller or different live ledger is not shipped over its own evidence.
   */
  private async guard(size: number, root: Uint8Array, where: string): Promise<void> {
    const head = await this.opts.reader.head();
    if (head.size < size) {
      throw new RuntimeError('ANCHOR_INCONSISTENT', `ROLLED_BACK: ${where} holds a checkpoint of size ${size}; the live ledger has ${head.size} entries`);
    }
    if (!bytesEqual(await this.opts.reader.rootAt(size), root)) {
      throw new RuntimeError('ANCHOR_INCONSISTENT', `FORKED: the live ledger's root at size ${size} differs from ${where}'s`);
    }
  }

  private async shipToDir(dir: string, id: string): Promise<ShipResult> {
    await mkdir(dir, { recursive: true });
    let from = 0;
    const newest = await newestAnchorName(dir);
    if (newest) {
      const s = parseShipment(await readFile(join(dir, newest), 'utf8'));
      if (typeof s === 'string') throw new RuntimeError('ANCHOR_INCONSISTENT', `${join(dir, newest)} is not a shipment: ${s}`);
      await this.guard(s.to, s.checkpoint.root, dir);
      from = s.to;
    }
    const b = await buildShipment(this.opts.reader, from, this.opts);
    if (!b) return { destination: id, shipped: false, from, size: from, entries: 0 };
    const file = await writeFileDurably(dir, anchorFileName(b.to), b.text);
    return { destination: id, shipped: true, from, size: b.to, entries: b.entries, file };
  }

  private async shipToCommand(d: Extract<AnchorDestination, { kind: 'command' }>): Promise<ShipResult> {
    const key = destinationKey(d);
    const stateFile = join(this.opts.stateDir, `${key}.json`);
    const outbox = join(this.opts.stateDir, 'outbox', key);
    await mkdir(outbox, { recursive: true });
    const prev = await readFile(stateFile, 'utf8').then(
      (t) => JSON.parse(t) as CommandState,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)),
    );
    if (prev) await this.guard(prev.size, Buffer.from(prev.root, 'base64'), d.id);
    const from = prev?.size ?? 0;
    const b = await buildShipment(this.opts.reader, from, this.opts);
    if (!b) return { destination: d.id, shipped: false, from, size: from, entries: 0 };
    const file = await writeFileDurably(outbox, anchorFileName(b.to), b.text);
    await this.run(d.argv, file);
    const next: CommandState = { destination: d.id, size: b.to, root: toBase64(b.root) };
    await writeFileDurably(this.opts.stateDir, `${key}.json`, `${JSON.stringify(next)}\n`);
    if (prev) await rm(join(outbox, anchorFileName(prev.size)), { force: true });
    return { destination: d.id, shipped: true, from, size: b.to, entries: b.entries, file };
  }

  /** The path handed over by the one rule for command destinations (../destinations/command.ts). */
  private async run(argv: readonly string[], file: string): Promise<void> {
    const r = await runDestinationCommand({ argv, path: file, env: this.opts.env ?? process.env, timeoutMs: this.opts.commandTimeoutMs ?? 60_000 });
    if (!r.ok) throw new RuntimeError('ANCHOR_SHIP_FAILED', `${argv[0]} failed (${r.summary}): ${r.stderr.trim().slice(0, 300)}`);
  }
}
