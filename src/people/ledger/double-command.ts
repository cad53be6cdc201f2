/**
 * One person as Incident Commander of two open P1/P2 incidents (issue 21): a flagged entry on both timelines and a
 * note to the administrators of the teams that own their services, once per pair (`double_command_flags`), whatever
 * retries or reassignments. Enqueued by the incidents domain when an IC is assigned or the severity changes.
 */
import type { Executor } from '../../db/index.js';
import type { JobHandler } from '../../jobs/index.js';
import { appendEvent, lockIncident, type DoubleCommandPayload } from '../../incidents/index.js';
import type { NotifyUserInput } from '../../notify/delivery.js';
import type { Db } from '../../db/index.js';

export interface DoubleCommandDeps {
  notify?: { notifyUser(trx: Executor, input: NotifyUserInput, now: number): Promise<unknown> } | undefined;
  publicUrl: () => string;
  /** Nudge the rooms in this process after the commit (IncidentService.live.poke). */
  poke?: ((incidentId: string) => void) | undefined;
}

interface Commanded {
  id: string;
  title: string;
  severity: string;
}

export async function commandedOpen(ex: Executor, userId: string): Promise<Commanded[]> {
  return ex
    .selectFrom('roleAssignments')
    .innerJoin('incidents', 'incidents.id', 'roleAssignments.incidentId')
    .select(['incidents.id', 'incidents.title', 'incidents.severity'])
    .where('roleAssignments.userId', '=', userId)
    .where('roleAssignments.role', '=', 'commander')
    .where('roleAssignments.endedAt', 'is', null)
    .where('incidents.status', '!=', 'resolved')
    .where('incidents.kind', '=', 'real')
    .where('incidents.severity', 'in', ['P1', 'P2'])
    .orderBy('incidents.id')
    .execute();
}

async function teamAdmins(ex: Executor, incidentIds: string[]): Promise<string[]> {
  const rows = await ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .innerJoin('teamMembers', 'teamMembers.teamId', 'services.teamId')
    .innerJoin('users', 'users.id', 'teamMembers.userId')
    .select('teamMembers.userId')
    .distinct()
    .where('incidentServices.incidentId', 'in', incidentIds)
    .where('teamMembers.role', 'in', ['admin', 'owner'])
    .where('users.disabledAt', 'is', null)
    .execute();
  return rows.map((r) => r.userId).sort();
}

/** Flag every new pair; returns the incidents whose timelines changed. */
export async function flagDoubleCommand(
  trx: Executor,
  engine: Db['engine'],
  deps: DoubleCommandDeps,
  userId: string,
  now: number,
): Promise<string[]> {
  const open = await commandedOpen(trx, userId);
  if (open.length < 2) return [];
  const user = await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
  const name = user?.name ?? 'One person';
  const touched = new Set<string>();
  for (let i = 0; i < open.length; i++) {
    for (let j = i + 1; j < open.length; j++) {
      const [a, b] = [open[i]!, open[j]!];
      const res = await trx
        .insertInto('doubleCommandFlags')
        .values({ userId, firstIncidentId: a.id, secondIncidentId: b.id, flaggedAt: now })
        .onConflict((oc) => oc.columns(['userId', 'firstIncidentId', 'secondIncidentId']).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
      for (const [here, other] of [
        [a, b],
        [b, a],
      ] as const) {
        await lockIncident(trx, engine, here.id);
        await appendEvent(
          trx,
          engine,
          here.id,
          {
            kind: 'double_command',
            actorUserId: null,
            actorLabel: 'Muster',
            body: `${name} is Incident Commander of this ${here.severity} and of ${other.severity} "${other.title}" at the same time. One person cannot command two incidents well: hand one over.`,
            details: { userId, otherIncidentId: other.id },
            isFlagged: true,
          },
          now,
        );
        touched.add(here.id);
      }
      for (const adminId of await teamAdmins(trx, [a.id, b.id])) {
        await deps.notify?.notifyUser(
          trx,
          {
            userId: adminId,
            urgency: 'low',
            key: `double-command:${userId}:${a.id}:${b.id}:${adminId}`,
            message: {
              subject: `${name} is Incident Commander of two ${a.severity}/${b.severity} incidents`,
              body:
                `${name} commands ${a.severity} "${a.title}" and ${b.severity} "${b.title}" at the same time.\n` +
                'Consider handing one of them to another Incident Commander.',
              url: `${deps.publicUrl()}/incidents/${a.id}`,
            },
          },
          now,
        );
      }
    }
  }
  return [...touched];
}

export function doubleCommandHandler(deps: DoubleCommandDeps): JobHandler<DoubleCommandPayload> {
  return async (ctx) => {
    const touched = await ctx.complete((trx) =>
      flagDoubleCommand(trx, ctx.db.engine, deps, ctx.job.payload.userId, ctx.clock.now()),
    );
    for (const id of touched) deps.poke?.(id);
  };
}
