// The API request a piece of work is done for. The server runs each route handler inside
// withRequestId(); every ledger entry appended in that context — by the route, by the engine, and by
// a run the engine goes on driving in the background — carries it as `data.requestId`, so an entry
// leads back to the request and its log lines. The engine needs no change for it: its writer is
// wrapped once (requestTagged). Outside a request (CLI, crash recovery) nothing is added.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntryDraft } from '@runledger/ledger';

const current = new AsyncLocalStorage<string>();

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return current.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** The draft with `data.requestId` set from the current request, if any (an explicit one wins). */
export function tagRequestId<D extends EntryDraft>(draft: D): D {
  const id = current.getStore();
  if (id === undefined || draft.data?.requestId !== undefined) return draft;
  return { ...draft, data: { ...(draft.data ?? {}), requestId: id } };
}

/** The writer, with every append tagged by tagRequestId; every other member is the writer's own. */
export function requestTagged<W extends { append(draft: EntryDraft): Promise<unknown> }>(writer: W): W {
  return new Proxy(writer, {
    get(target, prop) {
      if (prop === 'append') return (draft: EntryDraft) => target.append(tagRequestId(draft));
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
