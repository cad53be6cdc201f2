/**
 * An alert's paging (docs/alerts.md, "Paging"): who was paged, on which channel, when, each delivery's status; the
 * escalation level and when the next fires; why it is held. And the actions on it besides acknowledge and resolve:
 * escalate now, reassign, snooze (responders of the team that owns the alert's service). Each action answers with
 * the paging view as it is after it.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { SNOOZE_MAX_MINUTES } from '../../escalation/actions.js';
import { pagingFor, type PagingView } from '../../escalation/paging-view.js';
import { AppError } from '../../shared/errors.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import type { Actor } from '../../identity/index.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Str = Type.String();
const NullableStr = Type.Union([Type.String(), Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

const HoldSchema = Type.Object({
  reason: Type.Union(
    ['silenced', 'maintenance', 'flapping', 'low_urgency'].map((r) => Type.Literal(r)),
    {
      description:
        'silenced, maintenance (a maintenance window), flapping (damped) or low_urgency (outside working hours)',
    },
  ),
  until: Type.Union([Timestamp, Type.Null()], { description: 'When paging starts (or the hold is looked at again)' }),
  silence: Type.Union([Type.Object({ id: Str, comment: Str, createdByLabel: Str, endsAt: Timestamp }), Type.Null()]),
  maintenanceWindow: Type.Union([Type.Object({ id: Str, comment: Str, endsAt: Timestamp }), Type.Null()]),
});

const PagingViewSchema = Type.Object({
  alertId: Str,
  alertStatus: Str,
  state: Type.String({
    description: 'paging, held, acknowledged, snoozed, resolved, exhausted (every level paged), no_policy, not_paging',
  }),
  firstPagedAt: NullableTimestamp,
  hold: Type.Union([HoldSchema, Type.Null()]),
  snoozedUntil: NullableTimestamp,
  run: Type.Union([
    Type.Object({
      id: Str,
      status: Str,
      urgency: Str,
      policyId: Str,
      policyName: Str,
      pagedLevel: Type.Union([Type.Integer(), Type.Null()], { description: 'The level that paged last, 1-based' }),
      nextLevel: Type.Union([Type.Integer(), Type.Null()], { description: 'The level that pages next, 1-based' }),
      nextStepAt: Type.Union([Timestamp, Type.Null()], { description: 'When the next level pages' }),
      nextTargets: Type.Array(
        Type.Object({
          type: Str,
          id: Str,
          name: Str,
          userNames: Type.Array(Str, { description: 'Who is on call then (a schedule), or the user' }),
        }),
      ),
      levelCount: Type.Integer(),
      pass: Type.Integer(),
      repeat: Type.Integer(),
      startedAt: Timestamp,
      alertCount: Type.Integer({ description: 'Alerts the run stands for (a paging group shares one run)' }),
    }),
    Type.Null(),
  ]),
  previousRuns: Type.Array(Type.Object({ id: Str, status: Str, policyName: Str, startedAt: Timestamp })),
  pages: Type.Array(
    Type.Object({
      deliveryId: Str,
      runId: NullableStr,
      userId: Str,
      userName: Str,
      level: NullableInt,
      pass: NullableInt,
      channel: Type.String({
        description: 'The contact method kind: email, sms, voice, webhook, ntfy, slack, webpush',
      }),
      contactMethodId: Str,
      contactLabel: Str,
      address: Type.String({ description: 'Masked: enough to tell the person’s contact methods apart' }),
      at: Timestamp,
      dueAt: Timestamp,
      status: Type.String({ description: 'pending, sending, sent, failed or skipped' }),
      attempts: Type.Integer(),
      lastError: NullableStr,
      finishedAt: NullableTimestamp,
    }),
  ),
  can: Type.Object(
    {
      acknowledge: Type.Boolean(),
      resolve: Type.Boolean(),
      escalate: Type.Boolean(),
      reassign: Type.Boolean(),
      snooze: Type.Boolean(),
      declare: Type.Boolean({ description: 'Declare an incident from the alert' }),
    },
    {
      description:
        'What the caller may do to the alert (the page shows only these actions): acknowledge and resolve need to ' +
        'have been paged for it or the responder role in its team; escalate, reassign and snooze the responder ' +
        'role in its team; declare the responder role in any team. Whether the alert’s state allows it is separate.',
    },
  ),
  log: Type.Array(
    Type.Object({
      runId: Str,
      at: Timestamp,
      kind: Str,
      level: NullableInt,
      pass: NullableInt,
      userNames: Type.Array(Str),
      reason: Str,
    }),
  ),
});

export function presentPaging(v: PagingView) {
  return {
    ...v,
    firstPagedAt: toIsoOrNull(v.firstPagedAt),
    snoozedUntil: toIsoOrNull(v.snoozedUntil),
    hold: v.hold
      ? {
          ...v.hold,
          until: toIsoOrNull(v.hold.until),
          silence: v.hold.silence ? { ...v.hold.silence, endsAt: toIso(v.hold.silence.endsAt) } : null,
          maintenanceWindow: v.hold.maintenanceWindow
            ? { ...v.hold.maintenanceWindow, endsAt: toIso(v.hold.maintenanceWindow.endsAt) }
            : null,
        }
      : null,
    run: v.run ? { ...v.run, nextStepAt: toIsoOrNull(v.run.nextStepAt), startedAt: toIso(v.run.startedAt) } : null,
    previousRuns: v.previousRuns.map((r) => ({ ...r, startedAt: toIso(r.startedAt) })),
    pages: v.pages.map((p) => ({
      ...p,
      at: toIso(p.at),
      dueAt: toIso(p.dueAt),
      finishedAt: toIsoOrNull(p.finishedAt),
    })),
    log: v.log.map((l) => ({ ...l, at: toIso(l.at) })),
  };
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export function registerPagingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['alerts'];
  const view = async (id: string, actor: Actor) => {
    const v = await pagingFor(services.db.kysely, id, services.clock.now());
    if (!v) throw new AppError('alert_not_found', `No alert with id ${id}.`, { status: 404 });
    return { ...presentPaging(v), can: await canOn(id, actor) };
  };
  /** The actions the caller's roles allow, as the routes' access policies decide them (src/http/access.ts). */
  const canOn = async (id: string, actor: Actor) => {
    const responder = actor.isAdmin || (await services.alerts.canAct(actor, id)) === true;
    const paged = responder || (await services.alerts.canAct(actor, id, { paged: true })) === true;
    const declare = actor.isAdmin || (await services.teams.hasRoleInAnyTeam(actor, 'responder'));
    return {
      acknowledge: paged,
      resolve: paged,
      escalate: responder,
      reassign: responder,
      snooze: responder,
      declare,
    };
  };

  r.get(
    '/api/alerts/:id/paging',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Who was paged for the alert, on which channel and when; the escalation level and next step; holds',
        params: IdParams,
        response: withErrors({ 200: PagingViewSchema }),
      },
    },
    async (req) => view(req.params.id, actorOf(req)),
  );

  r.post(
    '/api/alerts/:id/escalate',
    {
      config: { access: 'responder@alert' },
      schema: {
        tags,
        summary: 'Escalate now: the next level of the alert’s escalation pages at once (responders of its team)',
        params: IdParams,
        response: withErrors({ 200: PagingViewSchema }),
      },
    },
    async (req) => {
      await services.pagingActions.escalateNow(actorOf(req), req.params.id);
      return view(req.params.id, actorOf(req));
    },
  );

  r.post(
    '/api/alerts/:id/reassign',
    {
      config: { access: 'responder@alert' },
      schema: {
        tags,
        summary:
          'Reassign: end the alert’s escalation and page a chosen person or escalation policy instead (responders)',
        params: IdParams,
        body: Type.Object({
          userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Page this person' })),
          escalationPolicyId: Type.Optional(
            Type.String({ minLength: 1, maxLength: 100, description: 'Or escalate along this policy' }),
          ),
        }),
        response: withErrors({ 200: PagingViewSchema }),
      },
    },
    async (req) => {
      await services.pagingActions.reassign(actorOf(req), req.params.id, req.body);
      return view(req.params.id, actorOf(req));
    },
  );

  r.post(
    '/api/alerts/:id/snooze',
    {
      config: { access: 'responder@alert' },
      schema: {
        tags,
        summary: 'Snooze an acknowledged alert: it pages again after this many minutes unless resolved (responders)',
        params: IdParams,
        body: Type.Object({
          minutes: Type.Integer({ minimum: 1, maximum: SNOOZE_MAX_MINUTES, description: '1 to 10080 (7 days)' }),
        }),
        response: withErrors({ 200: PagingViewSchema }),
      },
    },
    async (req) => {
      await services.pagingActions.snooze(actorOf(req), req.params.id, req.body);
      return view(req.params.id, actorOf(req));
    },
  );
}
