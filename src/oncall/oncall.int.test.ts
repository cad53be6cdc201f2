import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { unfold } from './ical.js';

interface ShiftJson {
  userId: string;
  start: string;
  end: string;
  source: string;
  sourceKind: string;
}
interface OnCallJson {
  current: ShiftJson | null;
  next: ShiftJson | null;
}

const DAY = 86400_000;

for (const engine of ENGINES) {
  describe(`on-call schedules over HTTP [${engine}]`, () => {
    let t: TestMuster;
    let users: string[] = [];
    let scheduleId = '';
    let layerIds: string[] = [];
    const tokens = new Map<string, string>();

    before(async () => {
      t = await startTestMuster(engine);
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
      for (let i = 0; i < 7; i++) {
        const r = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `p${i}@example.test`,
          name: `Person ${i}`,
        });
        users.push(r.body.user.id);
        const { token } = await t.muster.services.tokens.create(systemActor('test'), {
          userId: r.body.user.id,
          name: 't',
        });
        tokens.set(r.body.user.id, token);
      }
      users = users.slice();
      const created = await t.api<{ id: string; layers: { id: string }[] }>('POST', '/api/schedules', {
        teamId: team.body.id,
        name: 'Payments primary',
        timezone: 'Europe/London',
        layers: [
          {
            name: 'Round the clock',
            participants: users.slice(0, 6),
            turn: { unit: 'days', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
          {
            name: 'Office hours',
            participants: [users[6]],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
            restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
          },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      scheduleId = created.body.id;
      layerIds = created.body.layers.map((l) => l.id);
    });
    after(async () => {
      await t.stop();
    });

    it('answers who is on call: the higher layer inside its restriction, the lower one outside', async () => {
      const noon = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=2026-01-06T12:00:00Z`);
      assert.equal(noon.status, 200);
      assert.equal(noon.body.current?.userId, users[6]);
      assert.equal(noon.body.current?.source, layerIds[1]);
      const evening = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=2026-01-06T20:00:00Z`);
      assert.equal(evening.body.current?.userId, users[1]);
      assert.deepEqual(
        [evening.body.current?.start, evening.body.current?.end],
        ['2026-01-06T17:00:00.000Z', '2026-01-07T09:00:00.000Z'],
      );
      const all = await t.api<{ oncall: { scheduleId: string }[] }>('GET', '/api/oncall/now');
      assert.deepEqual(
        all.body.oncall.map((o) => o.scheduleId),
        [scheduleId],
      );
    });

    it('lets an override win over every layer, and deleting it restores the rotation', async () => {
      const o = await t.api<{ id: string }>('POST', `/api/schedules/${scheduleId}/overrides`, {
        userId: users[3],
        start: '2026-01-06T11:00:00Z',
        end: '2026-01-06T21:00:00Z',
        reason: 'dentist, covering',
      });
      assert.equal(o.status, 201, JSON.stringify(o.body));
      for (const at of ['2026-01-06T12:00:00Z', '2026-01-06T20:00:00Z']) {
        const r = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=${at}`);
        assert.deepEqual([r.body.current?.userId, r.body.current?.source], [users[3], o.body.id]);
      }
      const shifts = await t.api<{
        final: ShiftJson[];
        gaps: unknown[];
        warnings: { code: string }[];
        hoursByUser: Record<string, number>;
      }>('GET', `/api/schedules/${scheduleId}/shifts?from=2026-01-05T09:00:00Z&to=2026-01-12T09:00:00Z`);
      assert.equal(shifts.status, 200);
      for (let i = 1; i < shifts.body.final.length; i++) {
        assert.ok(shifts.body.final[i - 1]!.end <= shifts.body.final[i]!.start, 'final schedule overlaps');
      }
      assert.deepEqual(
        shifts.body.warnings.map((w) => w.code),
        ['rotation_too_small'],
      );
      assert.equal(shifts.body.gaps.length, 0);
      // Own turn on Thursday (24 h less 8 office hours) plus the 10 h override.
      assert.equal(shifts.body.hoursByUser[users[3]!], 16 + 10);
      const del = await t.api('DELETE', `/api/schedules/${scheduleId}/overrides/${o.body.id}`);
      assert.equal(del.status, 204);
      const back = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=2026-01-06T20:00:00Z`);
      assert.equal(back.body.current?.userId, users[1]);
    });

    it('lets everyone read but only team admins edit; overrides need the responder role', async () => {
      const outsider = tokens.get(users[5]!)!;
      assert.equal((await t.api('GET', `/api/schedules/${scheduleId}`, undefined, outsider)).status, 200);
      const edit = await t.api('PATCH', `/api/schedules/${scheduleId}/layers/${layerIds[0]}`, { name: 'x' }, outsider);
      assert.equal(edit.status, 403);
      const ovr = await t.api(
        'POST',
        `/api/schedules/${scheduleId}/overrides`,
        { userId: users[5], start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' },
        outsider,
      );
      assert.equal(ovr.status, 403);
      const bad = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/schedules/${scheduleId}/layers`,
        {
          name: 'Bad',
          participants: [users[0]],
          turn: { unit: 'days', count: 1 },
          startDate: '2026-02-30',
          handoffTime: '25:00',
        },
      );
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.problems.map((p) => p.field).sort(), ['handoffTime', 'startDate']);
    });

    it('turns an accepted swap request into an override for the person who took it', async () => {
      const start = new Date(Date.now() + 2 * DAY).toISOString();
      const now = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=${start}`);
      const mine = now.body.current!;
      const end = new Date(Math.min(Date.parse(mine.end), Date.parse(start) + 3600_000)).toISOString();
      const other = users.find((u) => u !== mine.userId)!;
      const ask = await t.api<{ id: string; status: string }>(
        'POST',
        `/api/schedules/${scheduleId}/swaps`,
        { targetUserId: other, start, end },
        tokens.get(mine.userId),
      );
      assert.equal(ask.status, 201, JSON.stringify(ask.body));
      const notYours = await t.api('POST', `/api/swaps/${ask.body.id}/accept`, undefined, tokens.get(mine.userId));
      assert.equal(notYours.status, 403);
      const ok = await t.api<{ status: string; overrideId: string }>(
        'POST',
        `/api/swaps/${ask.body.id}/accept`,
        undefined,
        tokens.get(other),
      );
      assert.equal(ok.body.status, 'accepted');
      const after = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=${start}`);
      assert.deepEqual([after.body.current?.userId, after.body.current?.source], [other, ok.body.overrideId]);
      const again = await t.api<{ error: { code: string } }>(
        'POST',
        `/api/swaps/${ask.body.id}/decline`,
        undefined,
        tokens.get(other),
      );
      assert.equal(again.body.error.code, 'swap_not_pending');
    });

    it('serves an iCalendar feed only with its secret token: CRLF, folded, stable UIDs, one VEVENT per shift', async () => {
      const link = await t.api<{ url: string }>('POST', `/api/schedules/${scheduleId}/feed`);
      assert.equal(link.status, 201);
      const path = new URL(link.body.url).pathname;
      assert.equal((await fetch(`${t.url}${path}`)).status, 404);
      assert.equal((await fetch(`${t.url}${path}?token=mcal_wrong`)).status, 404);
      const fetchFeed = async (url: string) => {
        const res = await fetch(url);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
        return res.text();
      };
      const first = await fetchFeed(link.body.url);
      const second = await fetchFeed(link.body.url);
      assert.ok(first.endsWith('\r\n') && !/[^\r]\n/.test(first), 'CRLF line endings only');
      for (const line of first.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line too long: ${line}`);
      const uids = (text: string) => unfold(text).filter((l) => l.startsWith('UID:'));
      assert.deepEqual(uids(first), uids(second));
      assert.equal(new Set(uids(first)).size, uids(first).length);
      const lines = unfold(first);
      assert.equal(lines[0], 'BEGIN:VCALENDAR');
      const from = new Date(Date.now() - 15 * DAY).toISOString();
      const to = new Date(Date.now() + 180 * DAY).toISOString();
      const shifts = await t.api<{ final: unknown[] }>(
        'GET',
        `/api/schedules/${scheduleId}/shifts?from=${from}&to=${to}`,
      );
      assert.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, shifts.body.final.length);
      const rotated = await t.api<{ url: string }>('POST', `/api/schedules/${scheduleId}/feed`);
      assert.equal((await fetch(link.body.url)).status, 404, 'the old link stops working after rotation');
      assert.equal((await fetch(rotated.body.url)).status, 200);
    });

    it("serves a person's own feed with only their shifts", async () => {
      const link = await t.api<{ url: string }>(
        'POST',
        `/api/users/${users[2]}/feed`,
        undefined,
        tokens.get(users[2]!),
      );
      assert.equal(link.status, 201);
      const text = await (await fetch(link.body.url)).text();
      const attendees = unfold(text).filter((l) => l.startsWith('ATTENDEE'));
      assert.ok(attendees.length > 0);
      assert.ok(attendees.every((a) => a.endsWith('mailto:p2@example.test')));
      const someoneElse = await t.api('POST', `/api/users/${users[3]}/feed`, undefined, tokens.get(users[2]!));
      assert.equal(someoneElse.status, 403);
      const mine = await t.api<{ shifts: { userId: string }[] }>(
        'GET',
        '/api/users/me/shifts',
        undefined,
        tokens.get(users[2]!),
      );
      assert.ok(mine.body.shifts.length > 0 && mine.body.shifts.every((s) => s.userId === users[2]));
    });

    it('answers `muster oncall now`, `schedules list` and `override create` from the CLI', async () => {
      const cli = async (...args: string[]) => {
        const main = join(import.meta.dirname, '..', 'cli', 'main.ts');
        const { stdout } = await promisify(execFile)(process.execPath, [
          '--import',
          'tsx',
          main,
          '--url',
          t.url,
          '--token',
          t.adminToken,
          '--json',
          ...args,
        ]);
        return JSON.parse(stdout) as unknown;
      };
      const now = (await cli('oncall', 'now', '--schedule', scheduleId)) as { scheduleId: string }[];
      assert.deepEqual(
        now.map((e) => e.scheduleId),
        [scheduleId],
      );
      const list = (await cli('schedules', 'list')) as { id: string }[];
      assert.ok(list.some((s) => s.id === scheduleId));
      const o = (await cli(
        'override',
        'create',
        '--schedule',
        scheduleId,
        '--user',
        users[4]!,
        '--start',
        '2031-01-01T00:00:00Z',
        '--end',
        '2031-01-02T00:00:00Z',
      )) as { id: string };
      const at = await t.api<OnCallJson>('GET', `/api/schedules/${scheduleId}/oncall?at=2031-01-01T12:00:00Z`);
      assert.equal(at.body.current?.source, o.id);
    });

    it('records every change in the audit log', async () => {
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=schedule&targetId=${scheduleId}&limit=100`,
      );
      const actions = new Set(audit.body.events.map((e) => e.action));
      for (const a of [
        'schedule.created',
        'schedule.override_created',
        'schedule.override_deleted',
        'schedule.swap_requested',
        'schedule.swap_accepted',
        'calendar_feed.created',
        'calendar_feed.rotated',
      ]) {
        assert.ok(actions.has(a), `missing ${a} in ${[...actions].join(', ')}`);
      }
    });
  });
}
