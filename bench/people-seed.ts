/**
 * The one-year history for `npm run bench:people` (issue 21), written straight into the database with the writers of
 * bench/insights-seed.ts (SQLite: one transaction of prepared statements; PostgreSQL: `unnest` batches).
 *
 * Shape (`scale` multiplies the incident and alert counts, default 1; people, teams and services stay): 10 teams of 20
 * people (200) in six zones, 5 services each (50) with 8 alert rules; two weekly rotations per team (a primary of 8
 * and a secondary of 6 that shares one person with the primary, so back-to-back shifts exist); one escalation policy
 * per team; 20,000 incidents over one year (P1 5%, P2 20%, P3 45%, P4 30%; 3% drills, 2% imported; the last 20 still
 * open) with 1-5 linked alerts each, their pages (`escalation_runs` + `paged` log rows), acknowledgements
 * (`alert_events`), roles (commander, technical lead, communications lead), participants, status changes to resolved,
 * and 150,000 alerts outside incidents of which 8% page. Realistic skew: in each team one hero is paged as well on
 * about a quarter of pages, acknowledges about a third of them and commands about a third of the incidents; the fifth
 * service of each team is known by one person (90% of its incidents handled by them). Post-mortems on 40% of the
 * older P1/P2 incidents with 3 action items (some overdue), runbooks for some services and some alert rules, a
 * comp-time policy per team with accruals for pages answered out of hours and time off, pulse invitations for every
 * resolved incident's responders with about 40% answered. The hero of the first team (`hero@example.test`, the admin's
 * password) is paged every three hours over the last 36 hours, so `GET /api/me/recovery` has nights to read.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { migrateToLatest, openPostgres, openSqlite } from '../src/db/index.js';
import { hashPassword } from '../src/identity/passwords.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../src/testing/server.js';
import { between, idAt, pick, postgresWriter, rand, sqliteWriter, type Row, type SeedTarget } from './insights-seed.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;

export const HERO_EMAIL = 'hero@example.test';

export interface PeopleSeedMeta {
  scale: number;
  /** The history ends here (epoch ms, the hour it was generated). */
  now: number;
  generatedSeconds: number;
  counts: Record<string, number>;
  teamId: string;
  /** The first team's hero (who signs in for /api/me/recovery). */
  heroUserId: string;
  /** The first team's one-person service, and one of its ordinary services. */
  knownByOneServiceId: string;
  serviceId: string;
  commit: string;
}

const ZONES = ['Europe/London', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles', 'UTC'];
const SEVERITIES: [string, number][] = [
  ['P1', 0.05],
  ['P2', 0.25],
  ['P3', 0.7],
  ['P4', 1],
];
const RULE_WORDS = [
  'HighLatency',
  'ErrorRate',
  'DiskFull',
  'PodCrashLoop',
  'CertExpiry',
  'QueueBacklog',
  'CpuHigh',
  'Down',
];

interface Team {
  id: string;
  idx: number;
  zone: string;
  users: string[];
  hero: string;
  primaryId: string;
  policyId: string;
  snapshot: string;
}
interface Svc {
  id: string;
  team: Team;
  rules: { rule: string; groupId: string; key: string }[];
  /** The one person who handles most of its incidents, if any. */
  holder: string | null;
}

/** Generate the history into a migrated, empty database. */
export async function seedPeopleHistory(
  target: SeedTarget,
  scale: number,
  commit: string,
  log: (s: string) => void,
): Promise<PeopleSeedMeta> {
  const t0 = performance.now();
  const nIncidents = Math.max(100, Math.round(20_000 * scale));
  const nBackground = Math.round(150_000 * scale);
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const start = now - 365 * DAY;
  const counts: Record<string, number> = {};

  const mdb = target.engine === 'postgres' ? openPostgres(target.databaseUrl!, 2) : openSqlite(target.dataDir);
  await migrateToLatest(mdb.kysely);
  const templ = await mdb.kysely
    .selectFrom('postmortemTemplates')
    .select(['id', 'sections'])
    .where('isBuiltin', '=', 1)
    .orderBy('id')
    .executeTakeFirstOrThrow();
  await mdb.close();
  const w =
    target.engine === 'postgres'
      ? await postgresWriter(target.databaseUrl!)
      : sqliteWriter(join(target.dataDir, 'muster.db'));
  const add = async (table: string, row: Row) => {
    counts[table] = (counts[table] ?? 0) + 1;
    await w.add(table, row);
  };
  const passwordHash = await hashPassword(ADMIN_PASSWORD);
  const user = async (id: string, email: string, name: string, zone: string, isAdmin = 0, withPassword = false) =>
    add('users', {
      id,
      email,
      name,
      password_hash: withPassword ? passwordHash : null,
      is_admin: isAdmin,
      timezone: zone,
      created_at: start,
      updated_at: start,
      disabled_at: null,
    });
  await user(idAt('usr', start), ADMIN_EMAIL, 'Administrator', 'UTC', 1, true);

  // ---- teams, people, rotations, policies, services, runbooks ----------------------------------------------------
  const monday = start - ((new Date(start).getUTCDay() + 6) % 7) * DAY;
  const teams: Team[] = [];
  const services: Svc[] = [];
  for (let t = 0; t < 10; t++) {
    const zone = ZONES[t % ZONES.length]!;
    const teamId = idAt('team', start);
    await add('teams', {
      id: teamId,
      name: `Team ${t + 1}`,
      slug: `team-${t + 1}`,
      description: '',
      created_at: start,
      updated_at: start,
    });
    const users: string[] = [];
    for (let u = 0; u < 20; u++) {
      const id = idAt('usr', start);
      users.push(id);
      const hero = t === 0 && u === 1;
      await user(id, hero ? HERO_EMAIL : `person${t}-${u}@example.test`, `Person ${t + 1}.${u + 1}`, zone, 0, hero);
      await add('team_members', {
        team_id: teamId,
        user_id: id,
        role: u === 0 ? 'admin' : 'responder',
        created_at: start,
      });
    }
    const schedule = async (name: string, participants: string[], handoff: string) => {
      const scheduleId = idAt('sch', start);
      await add('schedules', {
        id: scheduleId,
        team_id: teamId,
        name,
        description: '',
        timezone: zone,
        created_at: start,
        updated_at: start,
      });
      const layerId = idAt('lay', start);
      await add('schedule_layers', {
        id: layerId,
        schedule_id: scheduleId,
        name: 'Weekly',
        position: 0,
        turn_unit: 'weeks',
        turn_length: 1,
        start_date: new Date(monday).toISOString().slice(0, 10),
        handoff_time: handoff,
        restrictions: '[]',
        ends_at: null,
        created_at: start,
        updated_at: start,
      });
      for (let p = 0; p < participants.length; p++)
        await add('schedule_layer_participants', { layer_id: layerId, position: p, user_id: participants[p]! });
      return scheduleId;
    };
    // The primary: people 1-8; the secondary: person 8 (the primary's last) and people 9-13, handing off when the
    // primary does, so person 8's secondary week can follow their primary week.
    const primaryId = await schedule(`Team ${t + 1} primary`, users.slice(0, 8), '09:00');
    await schedule(`Team ${t + 1} secondary`, [users[7]!, ...users.slice(8, 13)], '09:00');
    const policyId = idAt('pol', start);
    const levels = [
      { delayMinutes: 15, targets: [{ type: 'schedule', id: primaryId }] },
      { delayMinutes: 15, targets: [{ type: 'user', id: users[1]! }] },
    ];
    const workingHours = { timezone: zone, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
    await add('escalation_policies', {
      id: policyId,
      team_id: teamId,
      name: `Team ${t + 1} default`,
      description: '',
      repeat: 1,
      levels: JSON.stringify(levels),
      working_hours: JSON.stringify(workingHours),
      ack_timeout_minutes: null,
      created_at: start,
      updated_at: start,
    });
    const team: Team = {
      id: teamId,
      idx: t,
      zone,
      users,
      hero: users[1]!,
      primaryId,
      policyId,
      snapshot: JSON.stringify({ policyId, name: 'default', repeat: 1, levels, workingHours }),
    };
    teams.push(team);
    await add('comp_time_policies', {
      team_id: teamId,
      kind: t % 3 === 2 ? 'weekend_fixed' : 'hours_factor',
      factor_percent: 150,
      minimum_minutes: 60,
      weekend_minutes: 480,
      updated_by_user_id: users[0]!,
      updated_at: start,
    });
    const runbook = async (title: string) => {
      const id = idAt('rbk', start);
      await add('runbooks', {
        id,
        team_id: teamId,
        slug: `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${t + 1}`,
        title,
        body: '## Steps\n\n1. Look at the dashboard.',
        version: 1,
        review_interval_days: 90,
        last_reviewed_at: start + 30 * DAY,
        last_reviewed_by_user_id: users[0]!,
        stale_notified_at: null,
        archived_at: null,
        created_by_user_id: users[0]!,
        created_at: start,
        updated_at: start,
      });
      return id;
    };
    for (let s = 0; s < 5; s++) {
      const id = idAt('svc', start);
      const n = t * 5 + s;
      await add('services', {
        id,
        name: `Service ${n + 1}`,
        slug: `service-${n + 1}`,
        description: '',
        team_id: teamId,
        criticality: pick(['critical', 'high', 'medium', 'low']),
        escalation_policy_id: policyId,
        created_at: start,
        updated_at: start,
        incident_rule: null,
      });
      const rules = [];
      for (const word of RULE_WORDS) {
        const rule = `${word}${n + 1}`;
        const key = `alertname=${rule}`;
        const groupId = idAt('agr', start);
        rules.push({ rule, groupId, key });
        await add('alert_groups', {
          id: groupId,
          service_id: id,
          group_key: key,
          title: rule,
          status: 'resolved',
          alert_count: 0,
          open_count: 0,
          first_alert_at: start,
          last_alert_at: now,
          resolved_at: now,
          created_at: start,
          updated_at: now,
        });
      }
      services.push({ id, team, rules, holder: s === 4 ? users[2]! : null });
      // Runbooks: services 1-2 have one each (by service); service 3 has two of its rules covered; 4-5 none.
      if (s < 2) {
        const rb = await runbook(`Service ${n + 1} runbook`);
        await add('runbook_services', { runbook_id: rb, service_id: id });
      } else if (s === 2) {
        const rb = await runbook(`${rules[0]!.rule} and ${rules[1]!.rule}`);
        for (const r of rules.slice(0, 2))
          await add('runbook_alert_rules', {
            id: idAt('rar', start),
            runbook_id: rb,
            alertname: r.rule,
            matchers: '[]',
            created_at: start,
          });
      }
    }
  }
  const onCall = (team: Team, at: number): string => {
    const week = Math.floor((at - monday - 9 * HOUR) / (7 * DAY));
    return team.users[((week % 8) + 8) % 8]!;
  };
  const outOfHours = (at: number): boolean => {
    const d = new Date(at);
    const h = d.getUTCHours();
    return d.getUTCDay() === 0 || d.getUTCDay() === 6 || h < 9 || h >= 17;
  };

  // ---- alerts, pages, acknowledgements ---------------------------------------------------------------------------
  let alertSeq = 0;
  const compSources = new Set<string>();
  /** One alert; paging ones page the on-call person (and the hero, a quarter of the time); `acker` acknowledges. */
  const alert = async (
    at: number,
    svc: Svc,
    o: {
      paging: boolean;
      acker: string | null;
      incidentId: string | null;
      rule?: Svc['rules'][number];
      /** Who is paged (default: the team's on-call person). */
      paged?: string;
    },
  ) => {
    const rule = o.rule ?? pick(svc.rules);
    const id = idAt('alt', at);
    alertSeq++;
    const dur = between(5 * MIN, 3 * HOUR);
    const ackAt = o.acker ? at + between(MIN, 20 * MIN) : null;
    const noisy = rule.rule.startsWith('CpuHigh') || rule.rule.startsWith('CertExpiry');
    const classification =
      rand() < 0.2 ? (noisy ? (rand() < 0.8 ? 'not_actionable' : 'false_positive') : 'actionable') : null;
    await add('alerts', {
      id,
      service_id: svc.id,
      group_id: rule.groupId,
      integration_key_id: null,
      source: 'alertmanager',
      dedup_key: `${rule.key}/${alertSeq % 997}`,
      open_key: null,
      status: 'resolved',
      severity: o.paging ? 'critical' : 'warning',
      summary: `${rule.rule} on host-${alertSeq % 50}`,
      description: '',
      labels: `{"alertname":"${rule.rule}","instance":"host-${alertSeq % 50}"}`,
      annotations: '{}',
      context: '[]',
      is_paging: o.paging ? 1 : 0,
      has_runbook: 0,
      source_starts_at: at,
      first_seen_at: at,
      last_seen_at: at + dur,
      occurrence_count: 1,
      acknowledged_at: ackAt,
      acknowledged_by_user_id: o.acker,
      acknowledged_by_label: o.acker ? 'Person' : null,
      resolved_at: at + dur,
      resolved_by_user_id: null,
      resolved_by_label: 'alertmanager',
      classification,
      classification_note: null,
      created_at: at,
      updated_at: at + dur,
      rule_key: rule.rule,
      is_flapping: 0,
      suppressed_reason: null,
      suppressed_by_id: null,
      suppressed_until: null,
      paged_at: o.paging ? at : null,
    });
    const event = async (t: number, kind: string, actor: string | null) =>
      add('alert_events', {
        id: idAt('aev', t),
        alert_id: id,
        at: t,
        kind,
        actor_user_id: actor,
        actor_label: actor ? 'Person' : 'alertmanager',
        payload_id: null,
        details: '{}',
      });
    await event(at, 'triggered', null);
    if (ackAt) await event(ackAt, 'acknowledged', o.acker);
    await event(at + dur, 'resolved', null);
    if (o.incidentId)
      await add('incident_alerts', {
        incident_id: o.incidentId,
        alert_id: id,
        linked_at: at,
        linked_by_label: 'Muster',
      });
    if (o.paging) {
      const runId = idAt('erun', at);
      await add('escalation_runs', {
        id: runId,
        alert_id: id,
        policy_id: svc.team.policyId,
        snapshot: svc.team.snapshot,
        urgency: 'high',
        status: 'stopped',
        generation: 1,
        level_index: 0,
        pass: 0,
        next_step_at: null,
        started_at: at,
        updated_at: at + dur,
      });
      const paged = [o.paged ?? onCall(svc.team, at)];
      await add('escalation_log', {
        id: idAt('elog', at),
        run_id: runId,
        alert_id: id,
        at,
        kind: 'paged',
        level_index: 0,
        pass: 0,
        user_ids: JSON.stringify(paged),
        reason: 'level 1: on call',
      });
      if (rand() < 0.25 && paged[0] !== svc.team.hero) {
        await add('escalation_log', {
          id: idAt('elog', at + 15 * MIN),
          run_id: runId,
          alert_id: id,
          at: at + 15 * MIN,
          kind: 'paged',
          level_index: 1,
          pass: 0,
          user_ids: JSON.stringify([svc.team.hero]),
          reason: 'level 2: escalated',
        });
      }
      // Comp time: a page answered out of hours accrues (the source is unique per team).
      const source = o.acker ? `page:${id}:${o.acker}` : null;
      if (o.acker && outOfHours(at) && !compSources.has(source!)) {
        compSources.add(source!);
        await add('comp_time_entries', {
          id: idAt('cte', at),
          team_id: svc.team.id,
          user_id: o.acker,
          kind: 'page',
          minutes: Math.round(Math.max(60, dur / MIN) * 1.5),
          occurred_at: at,
          source,
          incident_id: o.incidentId,
          note: '',
          created_by_label: 'Muster',
          created_at: at + DAY,
        });
      }
    }
  };

  // ---- incidents -------------------------------------------------------------------------------------------------
  const times: number[] = [];
  for (let i = 0; i < nIncidents; i++) times.push(start + DAY + Math.floor(rand() * (now - start - DAY - 2 * HOUR)));
  times.sort((a, b) => a - b);
  log(`  [${target.engine}] writing ${nIncidents} incidents, their alerts, pages and rooms`);
  const bigOnes: { id: string; at: number; team: Team }[] = [];
  for (let n = 0; n < times.length; n++) {
    const at = times[n]!;
    const id = idAt('inc', at);
    const r = rand();
    const severity = SEVERITIES.find(([, p]) => r < p)![0];
    const svc = pick(services);
    const team = svc.team;
    const two = rand() < 0.25 ? services[team.idx * 5 + (((services.indexOf(svc) % 5) + 1) % 5)]! : null;
    const kindR = rand();
    const kind = kindR < 0.03 ? 'drill' : kindR < 0.05 ? 'imported' : 'real';
    const open = n >= times.length - 20;
    // Who handles it: the service's one person, else the on-call person, the hero, or someone else of the team.
    const h = rand();
    const responder =
      svc.holder && rand() < 0.9
        ? svc.holder
        : h < 0.55
          ? onCall(team, at)
          : h < 0.85
            ? team.hero
            : team.users[between(0, 20)]!;
    const nAlerts = rand() < 0.85 ? between(1, 6) : 0;
    const firstAlert = nAlerts ? at - between(MIN, 15 * MIN) : null;
    const ack = rand() < 0.97 ? at + between(MIN, 20 * MIN) : null;
    const mitigated = open ? null : at + between(10 * MIN, 6 * HOUR);
    const resolved = open || mitigated === null ? null : mitigated + between(5 * MIN, 24 * HOUR);
    await add('incidents', {
      id,
      title: `${svc.rules[n % 8]!.rule} degraded`,
      summary: '',
      severity,
      status: open ? 'investigating' : 'resolved',
      declared_by_user_id: responder,
      declared_by_label: 'Person',
      declared_at: at,
      updated_at: resolved ?? at,
      impact_started_at: (firstAlert ?? at) - between(0, 20 * MIN),
      detected_at: firstAlert ?? at,
      acknowledged_at: ack,
      mitigated_at: mitigated,
      resolved_at: resolved,
      suspected_change_id: null,
      timer_generation: 0,
      last_event_seq: 0,
      kind,
      first_alert_at: firstAlert,
    });
    for (const s of two ? [svc, two] : [svc])
      await add('incident_services', { incident_id: id, service_id: s.id, created_at: at });
    const rule = pick(svc.rules);
    for (let a = 0; a < nAlerts; a++) {
      const paging = severity <= 'P2' || rand() < 0.3;
      await alert(firstAlert! + a * 30_000, svc, {
        paging,
        acker: paging && rand() < 0.9 ? (a === 0 ? responder : onCall(team, at)) : null,
        incidentId: id,
        rule,
      });
    }
    // The room.
    let seq = 0;
    const ev = async (t: number, k: string, actor: string, body: string, details = '{}') => {
      seq++;
      await add('incident_events', {
        id: idAt('iev', t),
        incident_id: id,
        seq,
        at: t,
        kind: k,
        actor_user_id: actor,
        actor_label: 'Person',
        body,
        details,
        is_flagged: 0,
      });
    };
    const people = [responder];
    const extra = between(0, severity === 'P1' ? 6 : 3);
    for (let p = 0; p < extra; p++) {
      const u = team.users[between(0, 20)]!;
      if (!people.includes(u)) people.push(u);
    }
    for (let p = 0; p < people.length; p++) {
      const joined = at + p * between(MIN, 6 * MIN);
      await add('incident_participants', {
        incident_id: id,
        user_id: people[p]!,
        first_joined_at: joined,
        last_joined_at: joined,
        join_count: 1,
        via: 'join',
      });
      await ev(joined, 'joined', people[p]!, '');
    }
    const role = async (name: string, u: string) => {
      const t = at + between(2 * MIN, 30 * MIN);
      await add('role_assignments', {
        id: idAt('rol', t),
        incident_id: id,
        role: name,
        user_id: u,
        started_at: t,
        ended_at: resolved,
        assigned_by_label: 'Person',
        ended_by_label: null,
      });
      await ev(t, 'role_assigned', u, name);
    };
    if (rand() < 0.85) await role('commander', responder);
    if (severity <= 'P2' && people.length > 1 && rand() < 0.6) await role('technical_lead', people[1]!);
    if (severity === 'P1' && people.length > 2) await role('communications_lead', people[2]!);
    await ev(at + 10 * MIN, 'status_update', responder, 'Investigating.');
    if (resolved !== null) {
      await ev(
        resolved,
        'status_changed',
        responder,
        'monitoring → resolved',
        JSON.stringify({ from: 'monitoring', to: 'resolved', message: null, milestones: ['resolvedAt'] }),
      );
      if (kind === 'real') {
        for (const u of people) {
          const answered = rand() < 0.4;
          await add('pulse_invitations', {
            incident_id: id,
            user_id: u,
            team_id: team.id,
            answered: answered ? 1 : 0,
            created_at: resolved,
          });
          if (answered)
            await add('pulse_answers', {
              id: randomUUID(),
              team_id: team.id,
              day: new Date(resolved + between(0, 2) * DAY).toISOString().slice(0, 10),
              safe: between(2, 6),
              calm: between(1, 6),
              role_clear: between(2, 6),
              text: rand() < 0.1 ? 'The handover was clear.' : '',
            });
        }
      }
    }
    if ((severity === 'P1' || severity === 'P2') && resolved !== null && at < now - 14 * DAY && rand() < 0.4)
      bigOnes.push({ id, at, team });
  }
  await w.exec(
    `update incidents set last_event_seq = (select count(*) from incident_events e where e.incident_id = incidents.id)`,
  );

  // ---- post-mortems and action items -----------------------------------------------------------------------------
  for (const inc of bigOnes) {
    const created = inc.at + DAY;
    const status = rand() < 0.7 ? 'published' : rand() < 0.5 ? 'in_review' : 'draft';
    const pmId = idAt('pm', created);
    await add('postmortems', {
      id: pmId,
      incident_id: inc.id,
      template_id: templ.id,
      template_sections: templ.sections,
      title: 'Post-mortem',
      status,
      owner_user_id: inc.team.users[3]!,
      due_at: created + 7 * DAY,
      is_required: 1,
      sections: JSON.stringify({ summary: 'What happened.' }),
      impact: '{}',
      public_summary: null,
      public_summary_published_at: null,
      revision: 1,
      created_by_label: 'Muster',
      created_at: created,
      updated_at: created + 5 * DAY,
      review_requested_at: status === 'draft' ? null : created + 4 * DAY,
      published_at: status === 'published' ? created + between(2, 20) * DAY : null,
      reminded_at: null,
    });
    for (let a = 0; a < 3; a++) {
      const st = pick(['open', 'in_progress', 'done', 'done', 'verified', 'wont_do']);
      const doneAt = st === 'done' || st === 'verified' ? created + between(3, 60) * DAY : null;
      await add('action_items', {
        id: idAt('act', created),
        postmortem_id: pmId,
        incident_id: inc.id,
        title: `Fix ${a + 1}`,
        description: '',
        owner_user_id: inc.team.users[(a + 4) % 20]!,
        team_id: inc.team.id,
        due_at: created + between(7, 90) * DAY,
        priority: pick(['high', 'medium', 'low']),
        kind: pick(['mitigate', 'prevent', 'detect', 'process']),
        status: st,
        status_reason: null,
        verification: null,
        verification_alert_rule: null,
        source_section: null,
        source_why_id: null,
        tracker_provider: null,
        tracker_key: null,
        tracker_url: null,
        created_by_user_id: null,
        created_by_label: 'Person',
        created_at: created,
        updated_at: doneAt ?? created,
        done_at: doneAt,
        verified_at: st === 'verified' ? doneAt! + DAY : null,
        reminded_at: null,
        overdue_notified_at: null,
        tracker_status: null,
        tracker_error: null,
      });
    }
  }

  // ---- alerts outside incidents, the hero's last nights, time off ------------------------------------------------
  log(`  [${target.engine}] writing ${nBackground} alerts outside incidents`);
  const step = (now - start) / Math.max(1, nBackground);
  for (let k = 0; k < nBackground; k++) {
    const at = Math.floor(start + (k + rand()) * step);
    const svc = services[k % services.length]!;
    const paging = rand() < 0.08;
    const acker = paging && rand() < 0.85 ? (rand() < 0.3 ? svc.team.hero : onCall(svc.team, at)) : null;
    await alert(at, svc, { paging, acker, incidentId: null });
  }
  const first = teams[0]!;
  const heroSvc = services[0]!;
  for (let at = now - 36 * HOUR; at < now - HOUR; at += 3 * HOUR) {
    await alert(at, heroSvc, { paging: true, acker: first.hero, incidentId: null, paged: first.hero });
  }
  for (const team of teams)
    for (let m = 1; m < 12; m++)
      for (const u of [team.hero, team.users[2]!, team.users[5]!]) {
        const at = start + m * 30 * DAY;
        await add('comp_time_entries', {
          id: idAt('cte', at),
          team_id: team.id,
          user_id: u,
          kind: 'time_off',
          minutes: -between(2, 9) * 60,
          occurred_at: at,
          source: null,
          incident_id: null,
          note: 'Recovery day',
          created_by_label: 'Person',
          created_at: at,
        });
      }
  await w.close();
  const generatedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  return {
    scale,
    now,
    generatedSeconds,
    counts,
    teamId: first.id,
    heroUserId: first.hero,
    knownByOneServiceId: services[4]!.id,
    serviceId: services[0]!.id,
    commit,
  };
}
