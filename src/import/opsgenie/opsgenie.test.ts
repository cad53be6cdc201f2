/**
 * The Opsgenie importer's read() against the local Opsgenie stand-in (a real HTTP server speaking API v2: GenieKey,
 * limit/offset paging with paging.next, 429 with Retry-After, its own rendering of the timeline): the doc passes
 * loadConfig, unmapped names what the fixtures cannot carry, escalation delays are exact, and Muster's own schedule
 * computation over the imported layers reproduces the stand-in's timeline minute for minute (but for the schedule
 * whose rotation has a team participant, reported as dropped).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../config-as-code/load.js';
import type { LayerDoc } from '../../config-as-code/schema.js';
import { computeSchedule } from '../../oncall/model.js';
import { parseTimeOfDay } from '../../shared/tz.js';
import { opsgenieFixture } from '../../testing/standins/opsgenie-fixture.js';
import { OpsgenieStandIn } from '../../testing/standins/opsgenie.js';
import { createImportHttp } from '../http.js';
import type { ReadOptions, RenderedEntry, SourceSnapshot } from '../model.js';
import { IMPORTERS } from '../sources.js';
import { opsgenieImporter } from './index.js';
import { restrictionSpans, spansToRestrictions } from './week.js';

const KEY = 'og-key-0123456789';
const WEEK = 7 * 86_400_000;

function options(standIn: OpsgenieStandIn, now: number, token = KEY): ReadOptions {
  return {
    baseUrl: standIn.url,
    token,
    now,
    renderedFrom: now,
    renderedTo: now + 8 * WEEK,
    historyMonths: 0,
    http: createImportHttp({ allowPrivateAddress: true, maxWaitMs: 2_000 }),
  };
}

/** Muster's final schedule of an imported schedule doc, by email, through Muster's own schedule computation. */
function musterEntries(snap: SourceSnapshot, slug: string, from: number, to: number): RenderedEntry[] {
  const s = snap.doc.schedules!.find((x) => x.slug === slug)!;
  const layers = (s.layers ?? []).map((l: LayerDoc, i) => ({
    id: `L${i}`,
    name: l.name,
    participants: l.participants,
    turn: l.turn,
    startDate: l.startDate,
    handoffTime: l.handoffTime,
    restrictions: (l.restrictions ?? []).map((r) => ({ days: r.days ?? [], start: r.start, end: r.end })),
    endsAt: l.endsAt ? Date.parse(l.endsAt) : null,
    timeZone: l.timeZone ?? null,
  }));
  const overrides = (s.overrides ?? []).map((o, i) => ({
    id: `O${i}`,
    userId: o.user,
    start: Date.parse(o.start),
    end: Date.parse(o.end),
    createdAt: i,
  }));
  return computeSchedule({ timezone: s.timezone, layers }, overrides, from, to).final.map((f) => ({
    start: f.start,
    end: f.end,
    users: [f.userId],
  }));
}

/** Minutes of [from, to) where both sides have the same people on call. */
function matchingMinutes(a: RenderedEntry[], b: RenderedEntry[], from: number, to: number) {
  const at = (es: RenderedEntry[], t: number) =>
    es
      .filter((e) => e.start <= t && e.end > t)
      .flatMap((e) => e.users)
      .sort()
      .join(',');
  const cuts = [...new Set([from, to, ...[...a, ...b].flatMap((e) => [e.start, e.end])])]
    .filter((t) => t >= from && t <= to)
    .sort((x, y) => x - y);
  let same = 0;
  const diffs: string[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const t = cuts[i]!;
    if (at(a, t) === at(b, t)) same += cuts[i + 1]! - t;
    else if (diffs.length < 3) diffs.push(`${new Date(t).toISOString()}: source ${at(a, t)} / muster ${at(b, t)}`);
  }
  return { same: same / 60_000, total: (to - from) / 60_000, diffs };
}

describe('Opsgenie importer: read() against the stand-in', () => {
  const now = Date.now();
  const standIn = new OpsgenieStandIn(opsgenieFixture(now), { apiKey: KEY, maxPageSize: 2, rateLimitEvery: 7 });
  let snap: SourceSnapshot;

  before(async () => {
    await standIn.start();
    snap = await opsgenieImporter.read(options(standIn, now));
  });
  after(() => standIn.close());

  it('is registered as the opsgenie importer', () => {
    assert.equal(IMPORTERS.opsgenie, opsgenieImporter);
  });

  it('pages users with limit and offset, waits out 429s, and sends the GenieKey header', () => {
    const userPages = standIn.requests.filter((r) => r.path.startsWith('/v2/users?'));
    // 6 users at 2 a page: offsets 0, 2, 4 (a page answered 429 is asked again)
    assert.deepEqual(
      [...new Set(userPages.map((r) => new URL(r.path, standIn.url).searchParams.get('offset')))],
      ['0', '2', '4'],
    );
    assert.ok(standIn.rateLimited >= 2, `429s answered: ${standIn.rateLimited}`);
    assert.equal(snap.requests.rateLimited, standIn.rateLimited);
    assert.equal(snap.requests.total, standIn.requests.length);
    assert.ok(standIn.requests.every((r) => r.headers.authorization === `GenieKey ${KEY}`));
  });

  it('produces a doc that config as code reads', () => {
    const state = loadConfig([{ path: 'opsgenie.yaml', content: stringify(snap.doc) }]);
    assert.ok(state);
    assert.deepEqual(
      snap.doc.users!.map((u) => [u.email, u.admin ?? false, u.timezone ?? null]),
      [
        ['ana@example.com', true, 'Europe/London'],
        ['ben@example.com', true, 'Europe/London'],
        ['cleo@example.com', false, 'Asia/Kolkata'],
        ['dan@example.com', false, null],
        ['eve@example.com', false, 'UTC'],
      ],
    );
    assert.deepEqual(
      snap.doc.teams!.map((t) => [t.slug, t.members?.map((m) => `${m.user}:${m.role}`)]),
      [
        ['platform', ['ana@example.com:admin', 'ben@example.com:responder', 'cleo@example.com:responder']],
        ['database', ['cleo@example.com:admin', 'dan@example.com:responder', 'eve@example.com:responder']],
        ['sre', ['eve@example.com:admin']],
        ['opsgenie', []],
      ],
    );
  });

  it('maps rotations to layers: weekday-and-time-of-day per day, time-of-day across midnight, none turns', () => {
    const byslug = Object.fromEntries(snap.doc.schedules!.map((s) => [s.slug, s]));
    const platform = byslug['platform-primary']!;
    assert.equal(platform.team, 'platform');
    assert.equal(platform.timezone, 'Europe/Berlin');
    assert.deepEqual(
      platform.layers!.map((l) => [l.name, l.participants, l.turn, l.startDate, l.handoffTime]),
      [
        ['Week', ['ana@example.com', 'ben@example.com'], { unit: 'weeks', count: 1 }, '2026-11-02', '09:00'],
        ['Friday evening', ['cleo@example.com', 'eve@example.com'], { unit: 'weeks', count: 1 }, '2026-11-06', '17:00'],
      ],
    );
    assert.deepEqual(platform.layers![0]!.restrictions, [
      { days: ['mon'], start: '00:00', end: '06:00' },
      { days: ['mon'], start: '09:00', end: '24:00' },
      { days: ['tue', 'wed', 'thu', 'sat', 'sun'], start: '00:00', end: '24:00' },
      { days: ['fri'], start: '00:00', end: '17:00' },
      { days: ['fri'], start: '22:00', end: '24:00' },
    ]);
    assert.deepEqual(platform.layers![1]!.restrictions, [{ days: ['fri'], start: '17:00', end: '22:00' }]);
    assert.equal(platform.overrides!.length, 1, 'the ended override is not carried');
    assert.equal(platform.overrides![0]!.user, 'dan@example.com');

    const night = byslug['night-watch']!;
    assert.deepEqual(night.layers![0]!.restrictions, [{ start: '22:00', end: '06:00' }]);
    assert.deepEqual(night.layers![0]!.turn, { unit: 'days', count: 2 });
    assert.equal(night.layers![0]!.handoffTime, '22:00');

    const half = byslug['db-half-days']!;
    assert.deepEqual(
      half.layers!.map((l) => [l.participants, l.restrictions]),
      [
        [
          ['dan@example.com'],
          [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '20:00' }],
        ],
        [['eve@example.com', 'cleo@example.com', 'dan@example.com'], [{ start: '20:00', end: '08:00' }]],
      ],
    );
  });

  it("renders Muster's final schedule exactly as the stand-in's timeline for every fully mapped schedule", () => {
    const from = now;
    const to = now + 8 * WEEK;
    for (const r of snap.rendered) {
      const m = matchingMinutes(r.entries, musterEntries(snap, r.slug, from, to), from, to);
      if (r.slug === 'sre-desk') {
        // Every other week the team "Database" has the desk in Opsgenie; Muster has nobody then (reported).
        assert.ok(m.same < m.total, 'the team participant cannot match');
        assert.ok(m.same >= m.total * 0.4, `${m.same} of ${m.total}`);
      } else {
        assert.equal(m.same, m.total, `${r.slug}: ${m.diffs.join('; ')}`);
      }
    }
    assert.deepEqual(
      snap.rendered.map((r) => r.slug),
      ['platform-primary', 'night-watch', 'db-half-days', 'sre-desk'],
    );
    const platform = snap.rendered.find((r) => r.slug === 'platform-primary')!;
    assert.ok(
      platform.entries.some((e) => e.users.length === 0),
      'the gaps (Mon 06:00–09:00) are in the timeline',
    );
    assert.ok(
      platform.entries.some((e) => e.users.join() === 'dan@example.com'),
      'the override is in the timeline',
    );
  });

  it('keeps escalation delays exact: rules at 0, 5, 5 and 17 minutes, repeat 2 after 10 minutes', () => {
    const p = snap.doc.escalationPolicies!.find((x) => x.slug === 'platform-escalation')!;
    assert.equal(p.team, 'platform');
    assert.equal(p.repeat, 2);
    assert.deepEqual(p.levels, [
      { delayMinutes: 5, targets: [{ schedule: 'platform-primary' }] },
      { delayMinutes: 12, targets: [{ user: 'ben@example.com' }, { user: 'cleo@example.com' }] },
      { delayMinutes: 10, targets: [{ user: 'ana@example.com' }] },
    ]);
    const db = snap.doc.escalationPolicies!.find((x) => x.slug === 'database-escalation')!;
    // the team rule at 60 minutes is left out, so the person at 90 minutes follows the schedules after 90
    assert.deepEqual(
      db.levels.map((l) => [l.delayMinutes, l.targets]),
      [
        [90, [{ schedule: 'night-watch' }, { schedule: 'db-half-days' }]],
        [1, [{ user: 'cleo@example.com' }]],
      ],
    );
    assert.equal(db.repeat, undefined);
  });

  it('maps integrations to keys on one service per owner team', () => {
    assert.deepEqual(
      snap.doc.services!.map((s) => [s.slug, s.team, s.escalationPolicy, s.integrationKeys]),
      [
        [
          'platform-alerts',
          'platform',
          'platform-escalation',
          [
            { name: 'Prometheus', source: 'alertmanager' },
            { name: 'Grafana', source: 'grafana' },
          ],
        ],
        ['opsgenie-alerts', 'opsgenie', null, [{ name: 'Default API', source: 'generic' }]],
        ['database-alerts', 'database', 'database-escalation', [{ name: 'DB mail', source: 'generic' }]],
      ],
    );
  });

  it('reports what it cannot carry, with the reason', () => {
    const has = (object: RegExp, reason: RegExp, outcome: 'dropped' | 'approximated') =>
      assert.ok(
        snap.unmapped.some((u) => object.test(u.object) && reason.test(u.reason) && u.outcome === outcome),
        `${object} ${reason} ${outcome} in ${JSON.stringify(snap.unmapped, null, 1)}`,
      );
    has(/user ana@example.com/, /notification rule "New alert" \(mobile .*sms 44-7700900123 after 3 min/, 'dropped');
    has(/user dan@example.com/, /Not\/AZone/, 'approximated');
    has(/user "alerts-bot"/, /not an email address/, 'dropped');
    has(/schedule "Platform_primary"/, /ended/, 'dropped');
    has(/schedule "SRE desk"/, /participant team "Database"/, 'dropped');
    has(/schedule "SRE desk"/, /repeat less often than weekly/, 'approximated');
    has(/escalation "Database_escalation"/, /team "SRE"/, 'dropped');
    has(/escalation "Database_escalation"/, /if-not-closed/, 'approximated');
    has(/integration "Default API"/, /no owner team/, 'approximated');
    has(/integration "DB mail"/, /type Email/, 'approximated');
    has(/integration "DB mail"/, /disabled/, 'approximated');
    has(/service "Database alerts"/, /routing rules by alert conditions \("Replication lag"\)/, 'approximated');
    has(/service "Opsgenie alerts"/, /no imported escalation/, 'approximated');
    assert.ok(!snap.unmapped.some((u) => /service "Platform alerts"/.test(u.object)), 'routed by its default rule');
    assert.ok(!snap.unmapped.some((u) => /Night watch|DB half days/.test(u.object)), 'those map exactly');
    assert.ok(!snap.unmapped.some((u) => /user (ben|cleo|eve)/.test(u.object) && u.field !== 'notificationRules'));
    assert.equal(snap.history.length, 0);
  });

  it('a wrong key is a clear error that does not show the key', async () => {
    const wrong = 'not-the-key-987';
    await assert.rejects(opsgenieImporter.read(options(standIn, now, wrong)), (e: Error) => {
      assert.match(e.message, /401/);
      assert.doesNotMatch(e.message + JSON.stringify(e), new RegExp(wrong));
      return true;
    });
  });
});

describe('Opsgenie restrictions as per-day restrictions', () => {
  it('splits a span across days and the week end, and reads them back as the same minutes', () => {
    const spans = restrictionSpans({
      type: 'weekday-and-time-of-day',
      restrictions: [{ startDay: 'sunday', startHour: 20, startMin: 30, endDay: 'tuesday', endHour: 4, endMin: 0 }],
    });
    assert.ok(Array.isArray(spans));
    const rs = spansToRestrictions(spans);
    assert.deepEqual(rs, [
      { days: ['mon'], start: '00:00', end: '24:00' },
      { days: ['tue'], start: '00:00', end: '04:00' },
      { days: ['sun'], start: '20:30', end: '24:00' },
    ]);
    const minutes = rs.reduce((n, r) => n + (parseTimeOfDay(r.end)! - parseTimeOfDay(r.start)!) * r.days!.length, 0);
    assert.equal(minutes, 3.5 * 60 + 24 * 60 + 4 * 60);
  });
});
