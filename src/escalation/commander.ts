/**
 * Paging the Incident Commander rotation: when a severity rule finds an incident without an IC (P1 at once, P2 after
 * 30 minutes by default), whoever is on call for the configured IC schedule is paged, in the incidents job's
 * transaction (durable deliveries, never a send from here). The schedule is an instance setting.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { NotifyService } from '../notify/index.js';
import { incidentBridge, loadPolicy, mayPageNow, type Severity } from '../incidents/index.js';
import { incidentPageMessage } from './page-text.js';
import { onCallUserIds } from '../oncall/index.js';
import { AppError } from '../shared/errors.js';
import { isWithinWorkingHours, nextWorkingHoursStart, type WorkingHours } from '../shared/time.js';

const SETTING = 'incidents.commanderScheduleId';

export async function commanderScheduleId(ex: Executor): Promise<string | null> {
  const row = await ex.selectFrom('instanceSettings').select('value').where('key', '=', SETTING).executeTakeFirst();
  return row?.value || null;
}

export async function setCommanderScheduleId(
  db: Db,
  actor: Actor,
  scheduleId: string | null,
  now: number,
): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    if (
      scheduleId &&
      !(await trx.selectFrom('schedules').select('id').where('id', '=', scheduleId).executeTakeFirst())
    ) {
      throw new AppError('schedule_not_found', `No schedule with id ${scheduleId}.`, {
        status: 404,
        details: { field: 'scheduleId' },
      });
    }
    await trx.deleteFrom('instanceSettings').where('key', '=', SETTING).execute();
    if (scheduleId)
      await trx.insertInto('instanceSettings').values({ key: SETTING, value: scheduleId, updatedAt: now }).execute();
    await recordAudit(
      trx,
      actor,
      'settings.commander_schedule_set',
      { type: 'setting', id: SETTING },
      { scheduleId },
      now,
    );
  });
}

export interface CommanderIncident {
  id: string;
  title: string;
  severity: string;
  timerGeneration: number;
  /** 'drill' for a game day's drill incident: the page says DRILL on every channel, like a drill alert's. */
  kind?: string | undefined;
}

async function pageTime(trx: Executor, scheduleId: string, severity: string, at: number): Promise<number> {
  const policy = await loadPolicy(trx, severity as Severity);
  const schedule = await trx.selectFrom('schedules').select('timezone').where('id', '=', scheduleId).executeTakeFirst();
  const wh: WorkingHours = {
    timezone: schedule?.timezone ?? 'UTC',
    days: [1, 2, 3, 4, 5],
    start: '09:00',
    end: '17:00',
  };
  if (mayPageNow(policy, isWithinWorkingHours(at, wh))) return at;
  return nextWorkingHoursStart(at, wh) ?? at;
}

async function isTabletopDrill(trx: Executor, incidentId: string): Promise<boolean> {
  const g = await trx.selectFrom('gamedays').select('mode').where('incidentId', '=', incidentId).executeTakeFirst();
  return g?.mode === 'tabletop';
}

/** The incidents domain's paging hook (IncidentPagingHook), wired in src/server.ts. */
export function commanderPaging(deps: { notify: NotifyService; publicUrl: () => string }) {
  return {
    async commanderMissing(
      trx: Executor,
      input: { incident: CommanderIncident; minutesOpen: number; at: number },
    ): Promise<void> {
      const scheduleId = await commanderScheduleId(trx);
      if (!scheduleId) return;
      const { incident, minutesOpen } = input;
      // A tabletop game day pages nobody (docs/gamedays.md): its drill incident does not page the real IC rotation.
      // A live drill's does, labelled DRILL.
      if (incident.kind === 'drill' && (await isTabletopDrill(trx, incident.id))) return;
      // P3 and P4 "can be addressed during business hours": out of hours, the page waits for the working day in
      // the IC schedule's time zone (the severity policy's pagesOutOfHours decides).
      const at = await pageTime(trx, scheduleId, incident.severity, input.at);
      const message = incidentPageMessage({
        incident,
        headline: `${incident.severity} needs an Incident Commander`,
        lines: [
          `No Incident Commander for ${minutesOpen} minutes.`,
          'You are on call for the Incident Commander rotation: join the incident room and take command.',
        ],
        bridge: await incidentBridge(trx, incident.id),
        url: `${deps.publicUrl()}/incidents/${incident.id}`,
      });
      for (const userId of await onCallUserIds(trx, scheduleId, at)) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'high',
            key: `commander:${incident.id}:${incident.timerGeneration}:${userId}`,
            message,
          },
          at,
        );
      }
    },
  };
}
