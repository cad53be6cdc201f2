/** Domain objects → API JSON: millisecond timestamps become RFC 3339 strings. */
import type { ApiToken, AuditEvent, Team, TeamMember, TeamRole, User } from '../identity/index.js';
import type { Job } from '../jobs/index.js';
import { toIso, toIsoOrNull } from '../shared/clock.js';

export const presentUser = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isAdmin: u.isAdmin,
  hasPassword: u.hasPassword,
  timezone: u.timezone,
  createdAt: toIso(u.createdAt),
  disabledAt: toIsoOrNull(u.disabledAt),
});

export const presentMember = (m: TeamMember) => ({ ...m, createdAt: toIso(m.createdAt) });

export const presentTeam = (t: Team & { myRole: TeamRole | null; memberCount?: number; members?: TeamMember[] }) => ({
  id: t.id,
  name: t.name,
  slug: t.slug,
  description: t.description,
  createdAt: toIso(t.createdAt),
  myRole: t.myRole,
  ...(t.memberCount !== undefined ? { memberCount: t.memberCount } : {}),
  ...(t.members ? { members: t.members.map(presentMember), memberCount: t.members.length } : {}),
});

export const presentToken = (t: ApiToken) => ({
  ...t,
  createdAt: toIso(t.createdAt),
  lastUsedAt: toIsoOrNull(t.lastUsedAt),
  expiresAt: toIsoOrNull(t.expiresAt),
  revokedAt: toIsoOrNull(t.revokedAt),
});

export const presentAudit = (e: AuditEvent) => ({ ...e, at: toIso(e.at) });

export const presentJob = (j: Job) => ({
  id: j.id,
  kind: j.kind,
  status: j.status,
  runAt: toIso(j.runAt),
  attempts: j.attempts,
  maxAttempts: j.maxAttempts,
  lastError: j.lastError,
  createdAt: toIso(j.createdAt),
  finishedAt: toIsoOrNull(j.finishedAt),
  payload: j.payload,
});
