/** TypeBox schemas and presenters for the on-call API: instants as RFC 3339, definitions with explicit zones. */
import { Type, type Static } from '@sinclair/typebox';
import type { Layer, OnCallNow, Override, People, ScheduleWithLayers, Shift, Swap } from '../../oncall/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';

const Day = Type.Union([
  Type.Literal('mon'),
  Type.Literal('tue'),
  Type.Literal('wed'),
  Type.Literal('thu'),
  Type.Literal('fri'),
  Type.Literal('sat'),
  Type.Literal('sun'),
]);
const HHMM = Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'Local time of day, HH:MM' });

const LayerZone = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
  description:
    "The layer's own IANA zone (follow the sun), e.g. America/New_York: its hand-offs and restrictions are read " +
    "there. Null: the schedule's zone.",
});

export const TurnSchema = Type.Union([
  Type.Object({
    unit: Type.Union([Type.Literal('hours'), Type.Literal('days'), Type.Literal('weeks')]),
    count: Type.Integer({ minimum: 1 }),
  }),
  Type.Object({ unit: Type.Literal('duration'), seconds: Type.Integer({ minimum: 60 }) }),
]);

export const RestrictionSchema = Type.Object({
  days: Type.Array(Day, { maxItems: 7, description: 'Days it applies to; empty means every day' }),
  start: HHMM,
  end: Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:MM; at or before start runs past midnight' }),
});

const layerFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  participants: Type.Array(Type.String({ maxLength: 100 }), {
    maxItems: 100,
    description: 'User ids in rotation order',
  }),
  turn: TurnSchema,
  startDate: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description: "First hand-off date in the layer's zone",
  }),
  handoffTime: Type.String({ pattern: '^\\d{2}:\\d{2}$', description: "Hand-off time of day in the layer's zone" }),
  restrictions: Type.Optional(Type.Array(RestrictionSchema, { maxItems: 28 })),
  endsAt: Type.Optional(NullableTimestamp),
  timeZone: Type.Optional(LayerZone),
};

export const LayerBody = Type.Object(layerFields);
export const LayerPatchBody = Type.Partial(Type.Object({ ...layerFields, position: Type.Integer({ minimum: 0 }) }));
export type LayerBodyT = Static<typeof LayerBody>;

export const ScheduleBody = Type.Object({
  teamId: Type.String({ minLength: 1, maxLength: 100, description: 'Owning team (id or slug)' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/London' }),
  layers: Type.Optional(Type.Array(LayerBody, { maxItems: 20 })),
  shared: Type.Optional(
    Type.Boolean({ description: "Let other teams' escalation policies page this schedule (default false)" }),
  ),
});

export const LayerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  position: Type.Integer(),
  participants: Type.Array(Type.String()),
  turn: TurnSchema,
  startDate: Type.String(),
  handoffTime: Type.String(),
  restrictions: Type.Array(RestrictionSchema),
  endsAt: NullableTimestamp,
  timeZone: LayerZone,
});

export const ScheduleSchema = Type.Object({
  id: Type.String(),
  teamId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  timezone: Type.String(),
  shared: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  layers: Type.Array(LayerSchema),
});

export const ShiftSchema = Type.Object({
  userId: Type.String(),
  userName: Type.Union([Type.String(), Type.Null()]),
  start: Timestamp,
  end: Timestamp,
  source: Type.String({ description: 'Layer id or override id' }),
  sourceKind: Type.Union([Type.Literal('layer'), Type.Literal('override')]),
});

export const OverrideSchema = Type.Object({
  id: Type.String(),
  scheduleId: Type.String(),
  userId: Type.String(),
  start: Timestamp,
  end: Timestamp,
  reason: Type.String(),
  swapRequestId: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

export const SwapSchema = Type.Object({
  id: Type.String(),
  scheduleId: Type.String(),
  requesterId: Type.String(),
  targetUserId: Type.String(),
  start: Timestamp,
  end: Timestamp,
  note: Type.String(),
  status: Type.String(),
  overrideId: Type.Union([Type.String(), Type.Null()]),
  decidedAt: NullableTimestamp,
  createdAt: Timestamp,
});

export const OnCallSchema = Type.Object({
  scheduleId: Type.String(),
  scheduleName: Type.String(),
  timezone: Type.String(),
  at: Timestamp,
  current: Type.Union([ShiftSchema, Type.Null()]),
  next: Type.Union([ShiftSchema, Type.Null()]),
});

export const ScheduleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const RangeQuery = Type.Object({ from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) });

/** RFC 3339 → ms; the schema has checked the format already. */
export function ms(iso: string, field: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) {
    throw new AppError('validation_failed', `${field}: must be an RFC 3339 date-time`, {
      status: 400,
      details: { problems: [{ field, message: 'must be an RFC 3339 date-time' }] },
    });
  }
  return t;
}

export const msOrNull = (iso: string | null | undefined, field: string): number | null | undefined =>
  iso === undefined ? undefined : iso === null ? null : ms(iso, field);

export function layerInput<T extends Partial<LayerBodyT>>(b: T) {
  const { endsAt, ...rest } = b;
  return { ...rest, ...(endsAt !== undefined ? { endsAt: msOrNull(endsAt, 'endsAt') } : {}) };
}

export const presentLayer = (l: Layer) => ({
  id: l.id,
  name: l.name,
  position: l.position,
  participants: l.participants,
  turn: l.turn,
  startDate: l.startDate,
  handoffTime: l.handoffTime,
  restrictions: l.restrictions,
  endsAt: toIsoOrNull(l.endsAt),
  timeZone: l.timeZone ?? null,
});

export const presentSchedule = (s: ScheduleWithLayers) => ({
  id: s.id,
  teamId: s.teamId,
  name: s.name,
  description: s.description,
  timezone: s.timezone,
  shared: s.shared === 1,
  createdAt: toIso(s.createdAt),
  updatedAt: toIso(s.updatedAt),
  layers: s.layers.map(presentLayer),
});

export const presentShift = (s: Shift, people: People = {}) => ({
  userId: s.userId,
  userName: people[s.userId]?.name ?? null,
  start: toIso(s.start),
  end: toIso(s.end),
  source: s.source,
  sourceKind: s.sourceKind,
});

export const presentOverride = (o: Override) => ({
  id: o.id,
  scheduleId: o.scheduleId,
  userId: o.userId,
  start: toIso(o.start),
  end: toIso(o.end),
  reason: o.reason,
  swapRequestId: o.swapRequestId,
  createdBy: o.createdByLabel,
  createdAt: toIso(o.createdAt),
});

export const presentSwap = (s: Swap) => ({
  id: s.id,
  scheduleId: s.scheduleId,
  requesterId: s.requesterId,
  targetUserId: s.targetUserId,
  start: toIso(s.start),
  end: toIso(s.end),
  note: s.note,
  status: s.status,
  overrideId: s.overrideId,
  decidedAt: toIsoOrNull(s.decidedAt),
  createdAt: toIso(s.createdAt),
});

export const presentOnCall = (e: OnCallNow, people: People) => ({
  scheduleId: e.schedule.id,
  scheduleName: e.schedule.name,
  timezone: e.schedule.timezone,
  at: toIso(e.at),
  current: e.current ? presentShift(e.current, people) : null,
  next: e.next ? presentShift(e.next, people) : null,
});
