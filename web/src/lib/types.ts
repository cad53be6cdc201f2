/** The shapes the HTTP API returns (see src/http/schemas.ts); timestamps are RFC 3339 strings. */

export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  hasPassword: boolean;
  timezone: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface Session {
  user: User;
  csrfToken: string | null;
}

export type TeamRole = 'owner' | 'admin' | 'responder' | 'viewer';
export const TEAM_ROLES: readonly TeamRole[] = ['owner', 'admin', 'responder', 'viewer'];

export interface TeamMember {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
  createdAt: string;
}

export interface Team {
  id: string;
  name: string;
  slug: string;
  description: string;
  createdAt: string;
  myRole: TeamRole | null;
  memberCount?: number;
  members?: TeamMember[];
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface SignInLink {
  url: string;
  expiresAt: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export type JobStatus = 'pending' | 'running' | 'succeeded' | 'dead';
export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'succeeded', 'dead'];

export interface Job {
  id: string;
  kind: string;
  status: string;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
  payload: unknown;
}
