/**
 * The incident's bridge call (issue 22, item 1): a team setting — a fixed bridge (a URL and dial-in text) or a URL
 * template such as `https://meet.jit.si/muster-{incident_key}` — resolved when an incident is declared and kept on
 * the incident (`incident_bridges`), or set in the room. Bridge URLs are links shown to people (the room, the page,
 * the Slack channel's first message); Muster never fetches them, so they are only checked to be http(s) URLs.
 * Joining the bridge from the room ticks "open the incident channel".
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { AppError, validationError, type FieldProblem } from '../shared/errors.js';
import { audit, event, signal, type Ctx } from './context.js';

export const BRIDGE_MODES = ['fixed', 'template'] as const;
export type BridgeMode = (typeof BRIDGE_MODES)[number];
export const BRIDGE_PLACEHOLDERS = ['incident_key', 'incident_id', 'team'] as const;
export const MAX_BRIDGE_URL = 2000;
export const MAX_DIAL_IN = 1000;

export interface TeamBridge {
  teamId: string;
  mode: BridgeMode;
  url: string;
  dialIn: string;
  updatedByLabel: string;
  updatedAt: number;
}

export interface IncidentBridge {
  incidentId: string;
  url: string;
  dialIn: string;
  /** 'team': from the team's setting at declaration; 'room': set on the incident. */
  source: 'team' | 'room';
  teamId: string | null;
  createdAt: number;
  updatedAt: number;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The short key a bridge template names the incident by: the last 10 characters of its id (random, unguessable). */
export function incidentKeyOf(incidentId: string): string {
  return incidentId.slice(-10).toLowerCase();
}

/** Fill a template's placeholders (URL-encoded); an unknown placeholder is left as it is (bridgeProblems refuses it). */
export function renderBridgeUrl(
  template: string,
  values: { incident_key: string; incident_id: string; team: string },
): string {
  return template.replace(/\{([a-z_]+)\}/g, (all, name: string) =>
    name in values ? encodeURIComponent(values[name as keyof typeof values]) : all,
  );
}

/** Problems with a bridge setting, each naming its field (empty: fine). */
export function bridgeProblems(input: { mode?: string; url: string; dialIn?: string | undefined }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const url = input.url.trim();
  const mode = input.mode ?? 'fixed';
  if (!(BRIDGE_MODES as readonly string[]).includes(mode))
    problems.push({ field: 'mode', message: `must be one of ${BRIDGE_MODES.join(', ')}` });
  if (!url) problems.push({ field: 'url', message: 'must not be empty' });
  else if (url.length > MAX_BRIDGE_URL)
    problems.push({ field: 'url', message: `must be at most ${MAX_BRIDGE_URL} characters` });
  else if (mode === 'template') {
    const unknown = [...url.matchAll(/\{([^}]*)\}/g)]
      .map((m) => m[1]!)
      .filter((n) => !(BRIDGE_PLACEHOLDERS as readonly string[]).includes(n));
    if (unknown.length)
      problems.push({
        field: 'url',
        message: `unknown placeholder {${unknown[0]}}: use ${BRIDGE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      });
    else if (!isHttpUrl(renderBridgeUrl(url, { incident_key: 'k', incident_id: 'inc_x', team: 'team' })))
      problems.push({ field: 'url', message: 'must be an http(s) URL once its placeholders are filled in' });
  } else if (!isHttpUrl(url)) problems.push({ field: 'url', message: 'must be an http(s) URL' });
  if ((input.dialIn ?? '').length > MAX_DIAL_IN)
    problems.push({ field: 'dialIn', message: `must be at most ${MAX_DIAL_IN} characters` });
  return problems;
}

export async function teamBridge(ex: Executor, teamId: string): Promise<TeamBridge | null> {
  const row = await ex.selectFrom('teamBridgeSettings').selectAll().where('teamId', '=', teamId).executeTakeFirst();
  return row ? { ...row, mode: row.mode as BridgeMode } : null;
}

/** Set (or, with null, clear) a team's bridge; audited. The caller checked that the actor administers the team. */
export async function setTeamBridge(
  db: Db,
  actor: Actor,
  teamId: string,
  input: { mode: BridgeMode; url: string; dialIn?: string | undefined } | null,
  now: number,
): Promise<TeamBridge | null> {
  if (input) {
    const problems = bridgeProblems(input);
    if (problems.length) throw validationError(problems);
  }
  return db.kysely.transaction().execute(async (trx) => {
    const team = await trx.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    if (!team) throw new AppError('team_not_found', `No team ${teamId}.`, { status: 404 });
    await trx.deleteFrom('teamBridgeSettings').where('teamId', '=', teamId).execute();
    if (input) {
      await trx
        .insertInto('teamBridgeSettings')
        .values({
          teamId,
          mode: input.mode,
          url: input.url.trim(),
          dialIn: (input.dialIn ?? '').trim(),
          updatedByLabel: actor.label,
          updatedAt: now,
        })
        .execute();
    }
    await recordAudit(
      trx,
      actor,
      input ? 'team.bridge_set' : 'team.bridge_cleared',
      { type: 'team', id: teamId },
      input ? { mode: input.mode, url: input.url.trim() } : {},
      now,
    );
    return teamBridge(trx, teamId);
  });
}

/**
 * The team an incident's bridge comes from: the owning team of its first affected service, else the declaring
 * person's first team in which they respond.
 */
export async function bridgeTeamFor(
  ex: Executor,
  serviceIds: string[],
  declaredByUserId: string | null,
): Promise<{ id: string; slug: string } | null> {
  for (const serviceId of serviceIds) {
    const t = await ex
      .selectFrom('services')
      .innerJoin('teams', 'teams.id', 'services.teamId')
      .select(['teams.id', 'teams.slug'])
      .where('services.id', '=', serviceId)
      .executeTakeFirst();
    if (t) return t;
  }
  if (!declaredByUserId) return null;
  return (
    (await ex
      .selectFrom('teamMembers')
      .innerJoin('teams', 'teams.id', 'teamMembers.teamId')
      .select(['teams.id', 'teams.slug'])
      .where('teamMembers.userId', '=', declaredByUserId)
      .where('teamMembers.role', '<>', 'viewer')
      .orderBy('teams.id')
      .executeTakeFirst()) ?? null
  );
}

export async function incidentBridge(ex: Executor, incidentId: string): Promise<IncidentBridge | null> {
  const row = await ex
    .selectFrom('incidentBridges')
    .selectAll()
    .where('incidentId', '=', incidentId)
    .executeTakeFirst();
  return row ? { ...row, source: row.source as IncidentBridge['source'] } : null;
}

/** The bridge as a line of a page or a message: the URL, and the dial-in when there is one. */
export function bridgeLines(b: { url: string; dialIn: string } | null): string[] {
  if (!b) return [];
  return [`Bridge call: ${b.url}`, ...(b.dialIn ? [`Dial-in: ${b.dialIn}`] : [])];
}

/** At declaration: the team's bridge, resolved for this incident and kept on it (in the declaring transaction). */
export async function resolveBridgeAtDeclaration(c: Ctx, serviceIds: string[]): Promise<IncidentBridge | null> {
  const team = await bridgeTeamFor(c.trx, serviceIds, c.incident.declaredByUserId);
  if (!team) return null;
  const setting = await teamBridge(c.trx, team.id);
  if (!setting) return null;
  const url =
    setting.mode === 'template'
      ? renderBridgeUrl(setting.url, {
          incident_key: incidentKeyOf(c.incident.id),
          incident_id: c.incident.id,
          team: team.slug,
        })
      : setting.url;
  const row = {
    incidentId: c.incident.id,
    url,
    dialIn: setting.dialIn,
    source: 'team' as const,
    teamId: team.id,
    createdAt: c.now,
    updatedAt: c.now,
  };
  await c.trx.insertInto('incidentBridges').values(row).execute();
  await event(c, {
    kind: 'bridge_set',
    body: bridgeLines(row).join('\n'),
    details: { url, dialIn: row.dialIn, source: 'team', teamId: team.id },
  });
  return row;
}

/** Set or clear the incident's bridge from the room (the caller holds the incident lock and checked the actor). */
export async function setIncidentBridge(
  c: Ctx,
  input: { url: string; dialIn?: string | undefined } | null,
): Promise<IncidentBridge | null> {
  if (input) {
    const problems = bridgeProblems({ mode: 'fixed', url: input.url, dialIn: input.dialIn });
    if (problems.length) throw validationError(problems);
  }
  const before = await incidentBridge(c.trx, c.incident.id);
  await c.trx.deleteFrom('incidentBridges').where('incidentId', '=', c.incident.id).execute();
  if (input) {
    const url = input.url.trim();
    const dialIn = (input.dialIn ?? '').trim();
    await c.trx
      .insertInto('incidentBridges')
      .values({
        incidentId: c.incident.id,
        url,
        dialIn,
        source: 'room',
        teamId: null,
        createdAt: before?.createdAt ?? c.now,
        updatedAt: c.now,
      })
      .execute();
    await event(c, {
      kind: 'bridge_set',
      body: bridgeLines({ url, dialIn }).join('\n'),
      details: { url, dialIn, source: 'room' },
    });
    await audit(c, 'incident.bridge_set', { url });
  } else if (before) {
    await event(c, { kind: 'bridge_cleared', body: `${c.actor.label} removed the bridge call.`, details: {} });
    await audit(c, 'incident.bridge_cleared', {});
  }
  return incidentBridge(c.trx, c.incident.id);
}

/**
 * Someone joined the bridge from the room: the first time per person it goes on the timeline, and it ticks "open the
 * incident channel". Returns false when the incident has no bridge.
 */
export async function joinBridge(c: Ctx): Promise<boolean> {
  const bridge = await incidentBridge(c.trx, c.incident.id);
  if (!bridge) throw new AppError('no_bridge', 'This incident has no bridge call.', { status: 409 });
  const userId = c.actor.userId;
  const earlier = userId
    ? await c.trx
        .selectFrom('incidentEvents')
        .select('id')
        .where('incidentId', '=', c.incident.id)
        .where('kind', '=', 'bridge_joined')
        .where('actorUserId', '=', userId)
        .executeTakeFirst()
    : undefined;
  if (earlier) return false;
  await event(c, { kind: 'bridge_joined', body: `${c.actor.label} joined the bridge call.`, details: {} });
  await signal(c, { kind: 'bridge_joined' });
  await audit(c, 'incident.bridge_joined', {});
  return true;
}
