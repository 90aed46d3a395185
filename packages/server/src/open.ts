// The engine as the server runs it: in-process, with an observer the app listens to, and interrupted
// runs recovered before the first request.
import { openEngine, parseOrThrow, type EngineContext, type LedgerLocation } from '@runledger/runtime';
import { EngineEvents } from './worker.js';

export interface ServerEngine {
  readonly engineContext: EngineContext;
  readonly events: EngineEvents;
  /** Runs marked interrupted at startup (their driver had died). */
  readonly recovered: readonly string[];
}

export async function openServerEngine(loc: LedgerLocation, opts: { cwd?: string } = {}): Promise<ServerEngine> {
  const events = new EngineEvents();
  const engineContext = await openEngine(loc, { observer: events, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  try {
    const recovered = await engineContext.engine.recover(parseOrThrow);
    return { engineContext, events, recovered };
  } catch (e) {
    await engineContext.close();
    throw e;
  }
}
