import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
    requestId: Type.String(),
  },
  { $id: 'ErrorEnvelope', description: 'Every error: a stable snake_case code, a message, optional details.' },
);

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  isAdmin: Type.Boolean(),
  hasPassword: Type.Boolean(),
  timezone: Type.String(),
  createdAt: Timestamp,
  disabledAt: NullableTimestamp,
});

export const TeamRoleSchema = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('responder'),
  Type.Literal('viewer'),
]);

export const TeamMemberSchema = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: TeamRoleSchema,
  createdAt: Timestamp,
});

export const TeamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  createdAt: Timestamp,
  myRole: Type.Union([TeamRoleSchema, Type.Null()]),
  memberCount: Type.Optional(Type.Integer()),
  members: Type.Optional(Type.Array(TeamMemberSchema)),
});

export const ApiTokenSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
});

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  actorTokenId: Type.Union([Type.String(), Type.Null()]),
  actorLabel: Type.String(),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  runAt: Timestamp,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  finishedAt: NullableTimestamp,
  payload: Type.Unknown(),
});

/** Common error responses, so the OpenAPI document lists them for every route. */
export function withErrors<T extends Record<number, TSchema>>(ok: T): T & Record<number, TSchema> {
  return {
    ...ok,
    400: ErrorEnvelope,
    401: ErrorEnvelope,
    403: ErrorEnvelope,
    404: ErrorEnvelope,
    409: ErrorEnvelope,
    429: ErrorEnvelope,
  };
}

export const Paging = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  before: Type.Optional(Type.String({ description: 'Return items older than this id (keyset pagination).' })),
});
