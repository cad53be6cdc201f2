/** Who is signed in. The CSRF token lives in memory only (lib/api.ts), never in storage. */
import { createContext, useContext } from 'react';
import type { Session, User } from './types.js';

export interface AuthState {
  session: Session | null;
  /** Replace the session after sign-in, sign-out or a profile change. */
  setSession: (s: Session | null) => void;
  /** Ask the server again (after a password change, for example). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const s = useContext(AuthContext);
  if (!s) throw new Error('useAuth outside <AuthContext>');
  return s;
}

/** For pages behind sign-in: the session is always there. */
export function useSession(): AuthState & { session: Session } {
  const s = useAuth();
  if (!s.session) throw new Error('useSession on a page that does not require sign-in');
  return s as AuthState & { session: Session };
}

export function useUser(): User {
  return useSession().session.user;
}
