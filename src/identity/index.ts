export { IdentityService, type NewSession } from './service.js';
export { TeamService, type TeamWithMembers } from './teams.js';
export { TokenService, type ApiToken } from './tokens.js';
export { recordAudit, listAuditEvents, systemActor, type Actor, type AuditEvent } from './audit.js';
export { TEAM_ROLES, roleAtLeast, type TeamRole } from './model.js';
export type { User, Team, TeamMember } from './repo.js';
export { bootstrapFirstAdmin } from './bootstrap.js';
