// The routing tree, read as Alertmanager reads its own: the root takes every alert; children are
// tried in order and the first that matches takes it (recursively), unless it says `continue`, in
// which case later siblings are tried too; a node none of whose children match is the match itself.
// Unset fields inherit from the parent. What Runledger adds per route: the grouping of incidents, the
// escalation policy and the runbook to offer.
import { DEFAULT_GROUP_BY } from '../incidents/grouping.js';
import { formatMatcher, matchesAll, type Matcher } from './matchers.js';

export interface RouteSpec {
  readonly matchers?: readonly Matcher[];
  readonly receiver?: string;
  readonly groupBy?: readonly string[];
  readonly escalation?: string;
  readonly runbook?: string;
  /** Start the runbook when an incident opens on this route (under policy and approvals, as any run). */
  readonly autoRun?: boolean;
  readonly continue?: boolean;
  readonly routes?: readonly RouteSpec[];
}

export interface RouteMatch {
  /** Where in the tree: `route`, `route.routes[1]`, `route.routes[1].routes[0]`. */
  readonly path: string;
  readonly receiver: string;
  readonly groupBy: readonly string[];
  readonly escalation?: string;
  readonly runbook?: string;
  readonly autoRun?: boolean;
  /** The matchers along the way, for `routes test` to explain the choice. */
  readonly because: readonly string[];
}

interface Inherited {
  readonly receiver: string;
  readonly groupBy: readonly string[];
  readonly escalation?: string;
  readonly runbook?: string;
  readonly autoRun?: boolean;
  readonly because: readonly string[];
}

function inherit(parent: Inherited, r: RouteSpec): Inherited {
  const escalation = r.escalation ?? parent.escalation;
  const runbook = r.runbook ?? parent.runbook;
  const autoRun = r.autoRun ?? parent.autoRun;
  return {
    receiver: r.receiver ?? parent.receiver,
    groupBy: r.groupBy ?? parent.groupBy,
    ...(escalation !== undefined ? { escalation } : {}),
    ...(runbook !== undefined ? { runbook } : {}),
    ...(autoRun !== undefined ? { autoRun } : {}),
    because: [...parent.because, ...(r.matchers ?? []).map(formatMatcher)],
  };
}

function walk(r: RouteSpec, path: string, ctx: Inherited, labels: Readonly<Record<string, string>>, out: RouteMatch[]): void {
  let anyChild = false;
  const children = r.routes ?? [];
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (!matchesAll(child.matchers ?? [], labels)) continue;
    anyChild = true;
    walk(child, `${path}.routes[${i}]`, inherit(ctx, child), labels, out);
    // A match without `continue` ends the search among its siblings.
    if (!child.continue) break;
  }
  if (!anyChild) out.push({ path, ...ctx });
}

/** Every route an alert with these labels goes to (one, or more through `continue`). */
export function routeFor(root: RouteSpec, labels: Readonly<Record<string, string>>): RouteMatch[] {
  if (!root.receiver) throw new Error('the root route needs a receiver');
  const out: RouteMatch[] = [];
  walk(root, 'route', inherit({ receiver: root.receiver, groupBy: DEFAULT_GROUP_BY, because: [] }, root), labels, out);
  return out;
}
