/**
 * Client commands for game days (docs/gamedays.md): `muster gameday list|scenarios|show|create|start|inject|mark|halt|
 * end|debrief|measures|drill-key|fire`, over the HTTP API like every client command.
 */
import { Option, type Command } from 'commander';
import { output, printTable, say, type ClientDeps } from './output.js';

const enc = encodeURIComponent;

interface Summary {
  id: string;
  title: string;
  mode: string;
  status: string;
  severity: string;
  scheduledAt: string | null;
  startedAt: string | null;
  recurrence: string;
  teamName?: string;
  facilitator: { name: string } | null;
}

interface Gameday extends Summary {
  scenario: string;
  hypothesis: string;
  safetyNotes: string;
  incidentId: string | null;
  haltReason: string | null;
  hypothesisOutcome: string | null;
  participants: { name: string; role: string }[];
  injects: { offsetSeconds: number; body: string; status: string; addedLive: boolean }[];
  expectedActions: { id: string; body: string; outcome: string; markedAt: string | null }[];
  events: { at: string; actorLabel: string; body: string }[];
  postmortemId: string | null;
}

const clock = (s: number): string => {
  const m = Math.floor(s / 60);
  const sec = s % 60;
  return `+${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
};

function printGameday(g: Gameday): void {
  say(`${g.id}  ${g.status}  ${g.mode}  ${g.severity}  ${g.title}`);
  say(
    `scheduled ${g.scheduledAt ?? '-'}${g.recurrence !== 'none' ? ` (${g.recurrence})` : ''}  facilitator ` +
      `${g.facilitator?.name ?? '-'}`,
  );
  if (g.incidentId) say(`drill room: incident ${g.incidentId}`);
  if (g.haltReason) say(`halted: ${g.haltReason}`);
  if (g.hypothesisOutcome) say(`hypothesis ${g.hypothesisOutcome}`);
  if (g.hypothesis) say(`hypothesis: ${g.hypothesis}`);
  if (g.safetyNotes) say(`safety: ${g.safetyNotes}`);
  if (g.participants.length) say(`participants: ${g.participants.map((p) => p.name).join(', ')}`);
  if (g.injects.length) {
    say('');
    say('Injects:');
    for (const i of g.injects)
      say(`  ${clock(i.offsetSeconds)}  [${i.status}]${i.addedLive ? ' (live)' : ''} ${i.body}`);
  }
  if (g.expectedActions.length) {
    say('');
    say('Expected actions:');
    for (const a of g.expectedActions) {
      const mark = a.outcome === 'done' ? 'x' : a.outcome === 'missed' ? '-' : ' ';
      say(`  [${mark}] ${a.body}  (${a.id})`);
    }
  }
  if (g.postmortemId) say(`debrief: post-mortem ${g.postmortemId}`);
}

export function registerGamedayCommands(program: Command, { client, json }: ClientDeps): void {
  const gd = program.command('gameday').alias('gamedays').description('game days: drills and tabletop exercises');

  gd.command('list')
    .description('game days, latest first')
    .option('--team <id>')
    .option('--status <scheduled|running|halted|ended|cancelled>')
    .action(async (o: { team?: string; status?: string }) => {
      const q = new URLSearchParams();
      if (o.team) q.set('teamId', o.team);
      if (o.status) q.set('status', o.status);
      const items = await client().get<Summary[]>(`/api/gamedays${q.size ? `?${q.toString()}` : ''}`);
      output(json(), items, () =>
        printTable(
          items.map((g) => ({
            id: g.id,
            status: g.status,
            mode: g.mode,
            when: (g.startedAt ?? g.scheduledAt ?? '').slice(0, 16) || null,
            team: g.teamName ?? null,
            title: g.title,
          })),
          ['id', 'status', 'mode', 'when', 'team', 'title'],
        ),
      );
    });

  gd.command('scenarios')
    .description('the scenario library (built-ins and teams’ own)')
    .option('--team <id>', 'the built-ins and this team’s')
    .action(async (o: { team?: string }) => {
      const items = await client().get<{ id: string; name: string; category: string; level: string }[]>(
        `/api/gameday-scenarios${o.team ? `?teamId=${enc(o.team)}` : ''}`,
      );
      output(json(), items, () => printTable(items, ['id', 'level', 'category', 'name']));
    });

  gd.command('show')
    .description('a game day: script, expected actions, status')
    .argument('<id>')
    .action(async (id: string) => {
      const g = await client().get<Gameday>(`/api/gamedays/${enc(id)}`);
      output(json(), g, () => printGameday(g));
    });

  gd.command('create')
    .description('plan a game day, from a scenario or from scratch')
    .requiredOption('--team <id>')
    .option('--scenario <id>', 'e.g. gds_disk_full (see `muster gameday scenarios`)')
    .option('--title <text>')
    .option('--mode <tabletop|live>')
    .option('--severity <P1|P2|P3|P4>')
    .option('--at <rfc3339>', 'when it is scheduled')
    .option('--recurrence <none|monthly|quarterly|yearly>')
    .option('--facilitator <userId>', 'default: you')
    .option('--service <id...>', 'target services')
    .option('--participant <userId...>')
    .action(
      async (o: {
        team: string;
        scenario?: string;
        title?: string;
        mode?: string;
        severity?: string;
        at?: string;
        recurrence?: string;
        facilitator?: string;
        service?: string[];
        participant?: string[];
      }) => {
        const g = await client().post<Gameday>('/api/gamedays', {
          teamId: o.team,
          ...(o.scenario ? { scenarioId: o.scenario } : {}),
          ...(o.title ? { title: o.title } : {}),
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.severity ? { severity: o.severity } : {}),
          ...(o.at ? { scheduledAt: o.at } : {}),
          ...(o.recurrence ? { recurrence: o.recurrence } : {}),
          ...(o.facilitator ? { facilitatorUserId: o.facilitator } : {}),
          ...(o.service ? { serviceIds: o.service } : {}),
          ...(o.participant ? { participants: o.participant.map((userId) => ({ userId })) } : {}),
        });
        output(json(), g, () => printGameday(g));
      },
    );

  gd.command('start')
    .description('start it: opens the drill room (a drill incident) and schedules the injects')
    .argument('<id>')
    .action(async (id: string) => {
      const g = await client().post<Gameday>(`/api/gamedays/${enc(id)}/start`);
      output(json(), g, () => say(`started ${g.id}: drill room ${g.incidentId ?? '-'}`));
    });

  gd.command('inject')
    .description('add an inject: now, or at seconds after the start')
    .argument('<id>')
    .argument('<text>')
    .option('--at <seconds>', 'seconds after the start')
    .action(async (id: string, text: string, o: { at?: string }) => {
      const body: Record<string, unknown> = { body: text };
      if (o.at !== undefined) {
        const n = Number(o.at);
        if (!Number.isInteger(n) || n < 0) throw new Error('--at must be a whole number of seconds');
        body.offsetSeconds = n;
      }
      const g = await client().post<Gameday>(`/api/gamedays/${enc(id)}/injects`, body);
      output(json(), g, () => say(`inject added to ${g.id} (${g.injects.length} in all)`));
    });

  gd.command('mark')
    .description('mark an expected action done, missed or pending')
    .argument('<id>')
    .argument('<actionId>')
    .argument('<outcome>', 'done, missed or pending')
    .action(async (id: string, actionId: string, outcome: string) => {
      if (!['done', 'missed', 'pending'].includes(outcome))
        throw new Error(`outcome must be done, missed or pending (not ${outcome})`);
      const g = await client().put<Gameday>(`/api/gamedays/${enc(id)}/actions/${enc(actionId)}`, { outcome });
      output(json(), g, () => printGameday(g));
    });

  gd.command('halt')
    .description('halt a running drill (rollback runs; the reason goes on both timelines)')
    .argument('<id>')
    .requiredOption('--reason <text>')
    .action(async (id: string, o: { reason: string }) => {
      const g = await client().post<Gameday>(`/api/gamedays/${enc(id)}/halt`, {
        reason: { kind: 'abort', detail: o.reason },
      });
      output(json(), g, () => say(`halted ${g.id}: ${g.haltReason ?? ''}`));
    });

  gd.command('end')
    .description('end the game day')
    .argument('<id>')
    .addOption(
      new Option('--outcome <outcome>', 'whether the drill confirmed the hypothesis').choices([
        'confirmed',
        'refuted',
        'partly',
      ]),
    )
    .action(async (id: string, o: { outcome?: string }) => {
      const g = await client().post<Gameday>(
        `/api/gamedays/${enc(id)}/end`,
        o.outcome ? { hypothesisOutcome: o.outcome } : {},
      );
      output(json(), g, () => say(`ended ${g.id}${g.hypothesisOutcome ? `: hypothesis ${g.hypothesisOutcome}` : ''}`));
    });

  gd.command('drill-key')
    .description('a live drill: an integration key whose alerts page the real on-call as DRILL (shown once)')
    .argument('<id>')
    .option('--service <id>', 'the target service (default: the first)')
    .action(async (id: string, o: { service?: string }) => {
      const r = await client().post<{ key: string; integrationKey: { serviceId?: string } }>(
        `/api/gamedays/${enc(id)}/drill-key`,
        o.service ? { serviceId: o.service } : {},
      );
      output(json(), r, () => {
        say(`drill key (shown once): ${r.key}`);
        say(`send alerts to /integrations/generic/<key>: they page as drills`);
      });
    });

  gd.command('fire')
    .description('a live drill: fire a drill alert through the real intake (it pages the real on-call, labelled DRILL)')
    .argument('<id>')
    .option('--summary <text>', 'the alert summary (default: DRILL: <title>)')
    .addOption(new Option('--severity <severity>').choices(['critical', 'error', 'warning', 'info']))
    .action(async (id: string, o: { summary?: string; severity?: string }) => {
      const r = await client().post<{ alertId: string | null; outcome: string }>(`/api/gamedays/${enc(id)}/fire`, {
        ...(o.summary ? { summary: o.summary } : {}),
        ...(o.severity ? { severity: o.severity } : {}),
      });
      output(json(), r, () => say(`drill alert ${r.outcome}${r.alertId ? `: ${r.alertId}` : ''}`));
    });

  gd.command('debrief')
    .description('start the debrief (a post-mortem with the Game day debrief template; again: the same one)')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await client().post<{ postmortemId: string; created: boolean }>(`/api/gamedays/${enc(id)}/debrief`);
      output(json(), r, () => say(`${r.created ? 'debrief started' : 'debrief'}: post-mortem ${r.postmortemId}`));
    });

  gd.command('measures')
    .description('how the people responded, against earlier drills and real incidents')
    .argument('<id>')
    .action(async (id: string) => {
      const m = await client().get<Record<string, unknown>>(`/api/gamedays/${enc(id)}/measures`);
      output(json(), m, () => {
        const fmt = (v: unknown) => (typeof v === 'number' ? `${Math.floor(v / 60)}m ${v % 60}s` : '-');
        say(`acknowledge       ${fmt(m.timeToAcknowledge)}`);
        say(`severity          ${fmt(m.timeToSeverity)}`);
        say(`roles             ${fmt(m.timeToRoles)}`);
        say(`recent changes    ${fmt(m.timeToRecentChanges)}`);
        say(`mitigate          ${fmt(m.timeToMitigate)}`);
        const c = m.checklist as { done: number; total: number };
        say(`checklist         ${c.done}/${c.total}`);
        const r = m.rolesHeldByDifferentPeople;
        say(`distinct roles    ${r === null ? '-' : r ? 'yes' : 'no'}`);
        const a = m.actions as { done: number; missed: number; pending: number };
        say(`expected actions  ${a.done} done, ${a.missed} missed, ${a.pending} pending`);
      });
    });
}
