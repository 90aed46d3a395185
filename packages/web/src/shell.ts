// State the shell shares with every page: the policy (for the freeze banner), reloaded after a
// freeze or unfreeze so the banner follows at once; and the nav's count of unacknowledged
// incidents, refreshed after an action on an incident.
import { createContext, useContext } from 'react';
import type { PolicyView } from '@runledger/server/api-types';

export interface Shell {
  readonly policy: PolicyView | undefined;
  reloadPolicy(): void;
  reloadIncidents(): void;
}

export const ShellContext = createContext<Shell>({ policy: undefined, reloadPolicy: () => undefined, reloadIncidents: () => undefined });

export const useShell = (): Shell => useContext(ShellContext);
