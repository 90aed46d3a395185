// The bake window's verdict on one observation: the reason it fails the bake gate, or undefined.
import { SEVERITIES } from '../incidents/severity.js';
import type { BakeObservation } from './facts.js';
import type { BakeConfig } from './types.js';

const rank = (s: string): number => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);

export function bakeFailure(obs: BakeObservation, bake: BakeConfig, window: { readonly from: string; readonly to: string }): string | undefined {
  switch (obs.kind) {
    case 'incident': {
      // Only incidents opened inside the window count: one already open before the deploy is not this release's.
      const at = Date.parse(obs.openedAt);
      if (at < Date.parse(window.from) || at > Date.parse(window.to)) return undefined;
      if (rank(obs.severity) > rank(bake.failSeverity)) return undefined;
      return `${obs.severity} incident ${obs.id}${obs.title ? ` (${obs.title})` : ''} opened at ${obs.openedAt} during the bake window`;
    }
    case 'health':
      return bake.failHealth.includes(obs.state) ? `service health ${obs.state}${obs.reason ? `: ${obs.reason}` : ''} during the bake window` : undefined;
    case 'burn':
      // "Under the threshold" passes; reaching it fails.
      return obs.rate >= bake.maxBurnRate ? `SLO ${obs.slo} burning at ${obs.rate}x (threshold ${bake.maxBurnRate}x) during the bake window` : undefined;
  }
}
