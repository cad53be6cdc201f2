/**
 * The PagerDuty importer's read() against the local PagerDuty stand-in (a real HTTP server speaking REST API v2:
 * `Token token=` auth, limit/offset/more paging, 429 with Retry-After, its own rendering of the final schedule): the
 * doc passes loadConfig, unmapped names what the fixtures cannot carry, delays are exact and loops become repeat,
 * Muster's own schedule computation over the imported layers reproduces PagerDuty's rendered final schedule minute
 * for minute, and a wrong token is a clear error. Also the pure mapping (restrictions, turns, slugs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../config-as-code/load.js';
import type { LayerDoc } from '../../config-as-code/schema.js';
import { computeSchedule } from '../../oncall/model.js';
import { AppError } from '../../shared/errors.js';
import { defaultPagerDutyFixtures, PagerDutyStandIn } from '../../testing/standins/pagerduty.js';
import { fidelity } from '../fidelity.js';
import { createImportHttp } from '../http.js';
import type { ReadOptions, RenderedEntry, SourceSnapshot } from '../model.js';
import { IMPORTERS } from '../sources.js';
import { pagerdutyImporter, severityOf } from './index.js';
import { assignSlugs, integrationSource, restrictionsOf, turnOf } from './mapping.js';

const TOKEN = 'pd-token-0123456789';
const WEEK = 7 * 86_400_000;

function options(standIn: PagerDutyStandIn, now: number, token = TOKEN, historyMonths = 6): ReadOptions {
  return {
    baseUrl: standIn.url,
    token,
    now,
    renderedFrom: now,
    renderedTo: now + 8 * WEEK,
    historyMonths,
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

describe('PagerDuty importer: read() against the stand-in', () => {
  const now = Date.now();
  const standIn = new PagerDutyStandIn({ token: TOKEN, now, maxLimit: 2, rateLimitEvery: 7, retryAfterSeconds: 1 });
  let snap: SourceSnapshot;

  before(async () => {
    await standIn.start();
    snap = await pagerdutyImporter.read(options(standIn, now));
  });
  after(() => standIn.close());

  it('is registered, sends the documented headers and pages through every list', () => {
    assert.equal(IMPORTERS.pagerduty, pagerdutyImporter);
    const first = standIn.requests[0]!;
    assert.equal(first.headers.authorization, `Token token=${TOKEN}`);
    assert.equal(first.headers.accept, 'application/vnd.pagerduty+json;version=2');
    // Six users at two a page: offsets 0, 2 and 4 were asked for.
    const userPages = standIn.requests.filter((r) => r.path.startsWith('/users?')).map((r) => r.path);
    for (const offset of [0, 2, 4])
      assert.ok(
        userPages.some((p) => p.includes(`offset=${offset}`)),
        `offset ${offset}`,
      );
    assert.ok(userPages.every((p) => p.includes('include%5B%5D=contact_methods')));
    assert.equal(snap.doc.users!.length, 6);
    assert.equal(snap.doc.services!.length, 3);
    assert.equal(snap.doc.schedules!.length, 3);
  });

  it('waits out 429s (Retry-After) and counts them', () => {
    assert.ok(standIn.rateLimited >= 3, `the stand-in answered ${standIn.rateLimited} 429s`);
    assert.equal(snap.requests.rateLimited, standIn.rateLimited);
    assert.equal(snap.requests.total, standIn.requests.length);
  });

  it('produces a document config as code accepts', () => {
    const state = loadConfig([{ path: 'pagerduty.yaml', content: stringify(snap.doc) }]);
    assert.equal(state.schedules.size, 3);
    assert.equal(state.escalationPolicies.size, 2);
  });

  it('maps teams, members, slugs and the default team', () => {
    const teams = Object.fromEntries(snap.doc.teams!.map((t) => [t.slug, t]));
    assert.deepEqual(Object.keys(teams).sort(), ['payments', 'platform']);
    assert.deepEqual(teams.platform!.members!.map((m) => `${m.user}:${m.role}`).sort(), [
      'ben@example.com:admin',
      'chen@example.com:responder',
      'eli@example.com:responder',
      'fay@example.com:viewer',
    ]);
    // Two services named "API": both carry their id.
    assert.deepEqual(snap.doc.services!.map((s) => s.slug).sort(), ['api-psvapi2', 'api-psvapi3', 'checkout']);
    // The schedule without a team takes the team of the first policy paging it (Payments), and is shared with
    // Platform's policy.
    const nights = snap.doc.schedules!.find((s) => s.slug === 'platform-nights')!;
    assert.equal(nights.team, 'payments');
    assert.equal(nights.shared, true);
    // The service without a team takes its policy's team.
    assert.equal(snap.doc.services!.find((s) => s.slug === 'api-psvapi3')!.team, 'platform');
    assert.equal(snap.doc.users!.find((u) => u.email === 'ana@example.com')!.admin, true);
    assert.equal(snap.doc.users!.find((u) => u.email === 'ben@example.com')!.admin, undefined);
  });

  it('keeps escalation delays to the minute and loops as repeat', () => {
    const p = snap.doc.escalationPolicies!.find((x) => x.slug === 'payments-escalation')!;
    assert.deepEqual(
      p.levels.map((l) => l.delayMinutes),
      [7, 13, 30],
    );
    assert.equal(p.repeat, 2);
    assert.deepEqual(p.levels[0]!.targets, [{ schedule: 'payments-primary' }]);
    assert.deepEqual(p.levels[2]!.targets, [{ schedule: 'platform-nights' }, { user: 'eli@example.com' }]);
    assert.equal(snap.doc.escalationPolicies!.find((x) => x.slug === 'platform-escalation')!.repeat, undefined);
  });

  it('orders layers bottom to top, with restrictions split per day and turns kept', () => {
    const primary = snap.doc.schedules!.find((s) => s.slug === 'payments-primary')!;
    assert.deepEqual(
      primary.layers!.map((l) => l.name),
      ['Around the clock', 'Business hours'],
    );
    assert.deepEqual(primary.layers![0]!.turn, { unit: 'hours', count: 12 });
    assert.deepEqual(primary.layers![1]!.turn, { unit: 'weeks', count: 1 });
    assert.deepEqual(primary.layers![1]!.restrictions, [
      { days: ['sun'], start: '00:00', end: '04:00' },
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' },
      { days: ['sat'], start: '20:00', end: '24:00' },
    ]);
    assert.equal(primary.overrides!.length, 1, 'the ended override is history');
    const nights = snap.doc.schedules!.find((s) => s.slug === 'platform-nights')!;
    assert.equal(nights.layers!.length, 1, 'the ended layer is not imported');
    assert.deepEqual(nights.layers![0]!.turn, { unit: 'days', count: 3 });
    assert.deepEqual(nights.layers![0]!.restrictions, [{ start: '22:00', end: '08:00' }]);
    const days = snap.doc.schedules!.find((s) => s.slug === 'support-days')!;
    assert.deepEqual(days.layers![0]!.turn, { unit: 'duration', seconds: 5400 });
  });

  it("reproduces PagerDuty's rendered final schedule to the minute", () => {
    assert.equal(snap.rendered.length, 3);
    const from = now;
    const to = now + 8 * WEEK;
    const musterFinal = new Map(snap.rendered.map((r) => [r.slug, musterEntries(snap, r.slug, from, to)]));
    for (const row of fidelity(snap.rendered, musterFinal, from, to)) {
      assert.equal(row.percent, 100, `${row.schedule}: ${JSON.stringify(row.firstDifferences)}`);
      assert.equal(row.matchingMinutes, row.totalMinutes);
    }
    // The comparison can fail: the rendering really has people in it.
    const primary = snap.rendered.find((r) => r.slug === 'payments-primary')!;
    assert.ok(primary.entries.some((e) => e.users.includes('ben@example.com')));
    const broken = new Map([...musterFinal].map(([k, v]) => [k, v.slice(1)]));
    assert.ok(fidelity(snap.rendered, broken, from, to).some((r) => r.percent < 100));
  });

  it('maps integrations to integration keys and reports what it cannot carry', () => {
    const checkout = snap.doc.services!.find((s) => s.slug === 'checkout')!;
    assert.deepEqual(checkout.integrationKeys, [
      { name: 'Events API v2', source: 'pagerduty' },
      { name: 'Prometheus', source: 'alertmanager' },
      { name: 'Zabbix', source: 'generic' },
    ]);
    assert.deepEqual(snap.doc.services!.find((s) => s.slug === 'api-psvapi2')!.integrationKeys, [
      { name: 'Grafana', source: 'grafana' },
    ]);
    const find = (object: RegExp, reason: RegExp) =>
      snap.unmapped.find((u) => object.test(u.object) && reason.test(u.reason));
    assert.equal(find(/Checkout/, /Zabbix/)?.outcome, 'approximated');
    assert.equal(find(/Checkout/, /email intake/)?.outcome, 'dropped');
    assert.equal(find(/Platform Nights/, /Old rotation.*ended/)?.outcome, 'dropped');
    assert.equal(find(/^user ana@example.com$/, /notification rule/)?.outcome, 'dropped');
    assert.equal(snap.unmapped.filter((u) => /notification rule/.test(u.reason)).length, 6);
  });

  it('reads resolved incidents of the last N months with their acknowledge and resolve times', () => {
    // Five resolved in the last two months; the one of ten months ago and the triggered one are not read.
    assert.equal(snap.history.length, 5);
    const two = snap.history.find((h) => h.externalId === 'PIN0002')!;
    assert.equal(two.service, 'checkout');
    assert.equal(two.severity, 'P1');
    assert.equal(two.acknowledgedAt! - two.createdAt, 3 * 60_000);
    assert.equal(two.resolvedAt! - two.createdAt, 45 * 60_000);
    const four = snap.history.find((h) => h.externalId === 'PIN0004')!;
    assert.equal(four.acknowledgedAt, null);
    assert.equal(four.severity, 'P4');
    assert.equal(four.service, 'api-psvapi3');
    assert.equal(snap.history.find((h) => h.externalId === 'PIN0003')!.severity, 'P2');
    assert.equal(snap.history.find((h) => h.externalId === 'PIN0006')!.severity, 'P4');
  });

  it('a wrong token is a clear error naming the status, never the token', async () => {
    await assert.rejects(pagerdutyImporter.read(options(standIn, now, 'wrong-token-xyz')), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.match(e.message, /401/);
      assert.match(e.message, /token/);
      assert.doesNotMatch(e.message, /wrong-token-xyz/);
      return true;
    });
  });
});

describe('PagerDuty importer: across daylight-saving changes', () => {
  // 8 weeks from 1 March 2027 hold New York's change (14 March) and London's (28 March).
  const now = Date.parse('2027-03-01T10:17:23.456Z');
  const standIn = new PagerDutyStandIn({ token: TOKEN, now });
  before(() => standIn.start());
  after(() => standIn.close());

  it("Muster's schedules still match PagerDuty's rendering to the minute", async () => {
    const snap = await pagerdutyImporter.read(options(standIn, now, TOKEN, 0));
    const from = now;
    const to = now + 8 * WEEK;
    const musterFinal = new Map(snap.rendered.map((r) => [r.slug, musterEntries(snap, r.slug, from, to)]));
    const rows = fidelity(snap.rendered, musterFinal, from, to);
    assert.equal(rows.length, 3);
    for (const row of rows) assert.equal(row.percent, 100, `${row.schedule}: ${JSON.stringify(row.firstDifferences)}`);
    assert.deepEqual(snap.history, []);
  });
});

describe('PagerDuty importer: a rotation that began after its layer started', () => {
  const now = Date.now();
  const fixtures = defaultPagerDutyFixtures(now);
  // The rotation's virtual start is in 2–3 days, while the layer started weeks ago: PagerDuty runs the rotation back
  // from its virtual start, so the layer is on call from now on (hand-offs at 01:00 and 13:00).
  const layer = fixtures.schedules.find((s) => s.id === 'PSPRI01')!.schedule_layers[1]!;
  const half = 12 * 3_600_000;
  const start = Date.parse(layer.start);
  const virtual = start + (Math.ceil((now - start) / half) + 4) * half + 5 * 3_600_000;
  layer.rotation_virtual_start = new Date(virtual).toISOString();
  const standIn = new PagerDutyStandIn({ token: TOKEN, fixtures });
  before(() => standIn.start());
  after(() => standIn.close());

  it('moves the start back by whole cycles so every turn stays the same', async () => {
    const snap = await pagerdutyImporter.read(options(standIn, now, TOKEN, 0));
    const from = now;
    const to = now + 8 * WEEK;
    const musterFinal = new Map(snap.rendered.map((r) => [r.slug, musterEntries(snap, r.slug, from, to)]));
    for (const row of fidelity(snap.rendered, musterFinal, from, to))
      assert.equal(row.percent, 100, `${row.schedule}: ${JSON.stringify(row.firstDifferences)}`);
    const imported = snap.doc.schedules!.find((s) => s.slug === 'payments-primary')!.layers![0]!;
    assert.ok(Date.parse(`${imported.startDate}T${imported.handoffTime}Z`) <= Date.parse(layer.start));
  });
});

describe('PagerDuty mapping', () => {
  it('splits a weekly span across days and keeps a daily one past midnight', () => {
    const { restrictions, problems } = restrictionsOf([
      { type: 'weekly_restriction', start_day_of_week: 5, start_time_of_day: '17:00:00', duration_seconds: 64 * 3600 },
      { type: 'daily_restriction', start_time_of_day: '22:30:00', duration_seconds: 9 * 3600 },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(restrictions, [
      { start: '22:30', end: '07:30' },
      { days: ['mon'], start: '00:00', end: '09:00' },
      { days: ['sat', 'sun'], start: '00:00', end: '24:00' },
      { days: ['fri'], start: '17:00', end: '24:00' },
    ]);
    // A weekly span from Sunday runs into Monday.
    assert.deepEqual(
      restrictionsOf([
        { type: 'weekly_restriction', start_day_of_week: 7, start_time_of_day: '23:00:00', duration_seconds: 7200 },
      ]).restrictions,
      [
        { days: ['mon'], start: '00:00', end: '01:00' },
        { days: ['sun'], start: '23:00', end: '24:00' },
      ],
    );
    assert.deepEqual(
      restrictionsOf([{ type: 'daily_restriction', start_time_of_day: '08:00:00', duration_seconds: 86400 }])
        .restrictions,
      [{ start: '08:00', end: '08:00' }],
    );
    assert.equal(
      restrictionsOf([{ type: 'daily_restriction', start_time_of_day: '08:00:30', duration_seconds: 60 }]).problems
        .length,
      1,
    );
  });

  it('turns, slugs, integrations and severities', () => {
    assert.deepEqual(turnOf(86400), { unit: 'days', count: 1 });
    assert.deepEqual(turnOf(1209600), { unit: 'weeks', count: 2 });
    assert.deepEqual(turnOf(43200), { unit: 'hours', count: 12 });
    assert.deepEqual(turnOf(5400), { unit: 'duration', seconds: 5400 });
    const items = [
      { id: 'P1', name: 'Ops' },
      { id: 'P2', name: 'ops' },
      { id: 'P3', name: 'Café Ünïcode!' },
      { id: 'P4', name: '***' },
    ];
    const slugs = assignSlugs(
      items,
      (i) => i.name,
      (i) => i.id,
    );
    assert.deepEqual(
      items.map((i) => slugs.get(i)),
      ['ops-p1', 'ops-p2', 'cafe-unicode', 'p4'],
    );
    assert.deepEqual(integrationSource('events_api_v2_inbound_integration', null), {
      source: 'pagerduty',
      exact: true,
    });
    assert.equal(integrationSource('generic_events_api_inbound_integration', 'Prometheus').source, 'alertmanager');
    assert.equal(integrationSource('generic_email_inbound_integration', null).source, null);
    assert.equal(severityOf('P5', 'high'), 'P4');
    assert.equal(severityOf(null, 'high'), 'P2');
  });
});
