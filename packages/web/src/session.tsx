// Who is signed in, and what their roles allow. The session itself is an httpOnly cookie the page
// never sees; this holds only the server's description of it.
import { createContext, useContext } from 'react';
import type { SessionView } from './api/client';

export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

export interface SessionState {
  readonly session: SessionView;
  /** The session's roles include `role` (a role includes every role below it). */
  can(role: Role): boolean;
  signOut(): void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export function sessionState(session: SessionView, signOut: () => void): SessionState {
  return { session, can: (role) => session.roles.includes(role), signOut };
}

/** What a role may do, for hints next to hidden controls. */
export const ROLE_FOR: Record<string, Role> = {
  start: 'operator',
  approve: 'approver',
  reject: 'approver',
  resume: 'operator',
  retry: 'operator',
  skip: 'operator',
  abort: 'operator',
  note: 'operator',
  freeze: 'admin',
  verify: 'viewer',
};
