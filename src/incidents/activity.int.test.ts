import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { readSse } from '../testing/sse.js';

interface Ev {
  seq: number;
  kind: string;
  body: string;
}
interface Detail {
  incident: { id: string };
  tasks: { id: string; title: string; isDone: boolean; assigneeUserId: string | null }[];
  participants: { userId: string; joinCount: number; via: string }[];
  checklist: { step: string; doneAt: string | null }[];
}

for (const engine of ENGINES) {
  describe(`incident room activity [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.now());
    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
    });
    after(async () => t.stop());

    const declare = async (body: Record<string, unknown>): Promise<string> => {
      const r = await t.api<Detail>('POST', '/api/incidents', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };
    const kinds = async (id: string): Promise<string[]> =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${id}/timeline`)).body.events.map((e) => e.kind);

    it('keeps tasks with an assignee and a done state, each change on the timeline', async () => {
      const id = await declare({ title: 'Disk filling', severity: 'P3' });
      const me = await t.api<{ id: string }>('GET', '/api/me');
      const task = await t.api<{ id: string; isDone: boolean }>('POST', `/api/incidents/${id}/tasks`, {
        title: 'Rotate logs on db-2',
        assigneeUserId: me.body.id,
      });
      assert.equal(task.status, 201);
      const doneTask = await t.api<{ isDone: boolean; doneAt: string | null }>(
        'PATCH',
        `/api/incidents/${id}/tasks/${task.body.id}`,
        { isDone: true },
      );
      assert.equal(doneTask.body.isDone, true);
      assert.ok(doneTask.body.doneAt);
      const bad = await t.api<{ error: { code: string } }>('POST', `/api/incidents/${id}/tasks`, {
        title: 'x',
        assigneeUserId: 'usr_nobody',
      });
      assert.equal(bad.body.error.code, 'user_not_found');
      const d = await t.api<Detail>('GET', `/api/incidents/${id}`);
      assert.deepEqual(
        d.body.tasks.map((x) => [x.title, x.isDone]),
        [['Rotate logs on db-2', true]],
      );
      const k = await kinds(id);
      assert.ok(k.indexOf('task_added') < k.indexOf('task_done'));
    });

    it('records each person once in the room, counting later joins, and ticks the channel step once', async () => {
      const id = await declare({ title: 'Webhooks delayed', severity: 'P2' });
      assert.equal((await t.api<{ isFirstJoin: boolean }>('POST', `/api/incidents/${id}/join`)).body.isFirstJoin, true);
      assert.equal(
        (await t.api<{ isFirstJoin: boolean }>('POST', `/api/incidents/${id}/join`)).body.isFirstJoin,
        false,
      );
      const d = await t.api<Detail>('GET', `/api/incidents/${id}`);
      assert.equal(d.body.participants.length, 1);
      assert.equal(d.body.participants[0]!.joinCount, 2);
      assert.ok(d.body.checklist.find((c) => c.step === 'open_channel')?.doneAt);
      const k = await kinds(id);
      assert.equal(k.filter((x) => x === 'joined').length, 1);
      assert.equal(k.filter((x) => x === 'checklist_ticked').length, 2, 'acknowledge at declaration, then channel');
    });

    it('numbers the timeline without gaps or duplicates when responders post at the same moment', async () => {
      const id = await declare({ title: 'Busy room', severity: 'P1' });
      const posted = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.api('POST', `/api/incidents/${id}/notes`, { text: `note ${i}` })),
      );
      assert.ok(posted.every((p) => p.status === 201));
      const events = (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${id}/timeline`)).body.events;
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_, i) => i + 1),
      );
      assert.equal(events.filter((e) => e.kind === 'note').length, 20);
    });

    it('resumes a stream after Last-Event-ID and answers 404 as JSON for an unknown incident', async () => {
      const id = await declare({ title: 'Resume test', severity: 'P4' });
      await t.api('POST', `/api/incidents/${id}/notes`, { text: 'first' });
      await t.api('POST', `/api/incidents/${id}/notes`, { text: 'second' });
      const events = (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${id}/timeline`)).body.events;
      const first = events.find((e) => e.body === 'first')!;
      const ac = new AbortController();
      const res = await fetch(`${t.url}/api/incidents/${id}/stream`, {
        headers: { authorization: `Bearer ${t.adminToken}`, 'last-event-id': String(first.seq) },
        signal: ac.signal,
      });
      try {
        const seen = await readSse<Ev>(res.body!, (e) => e.kind === 'joined');
        assert.equal(seen[0]!.body, 'second', 'replays what came after the last event the viewer saw');
      } finally {
        ac.abort();
      }
      const missing = await t.api<{ error: { code: string } }>('GET', '/api/incidents/inc_nope/stream');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'incident_not_found');
    });

    it('starts the IC deadline when a P3 becomes P2, and reports MTTA and time to each step', async () => {
      const id = await declare({ title: 'Worse than thought', severity: 'P3' });
      await t.api('POST', `/api/incidents/${id}/severity`, { severity: 'P2', reason: 'Some customers see errors' });
      const job = await t.muster.services.db.kysely
        .selectFrom('jobs')
        .select(['runAt', 'payload'])
        .where('kind', '=', 'incidents.checkCommander')
        .where('payload', 'like', `%${id}%`)
        .executeTakeFirst();
      assert.ok(job, 'the P2 IC deadline was scheduled');
      assert.equal(job.runAt, clock.now() + 30 * MINUTE);
      const m = await t.api<{ count: number; mttaSeconds: number | null; checklist: { step: string }[] }>(
        'GET',
        '/api/incidents/metrics?severity=P2',
      );
      assert.equal(m.status, 200);
      assert.ok(m.body.count >= 1);
      assert.equal(m.body.mttaSeconds, 0);
      assert.deepEqual(
        m.body.checklist.map((c) => c.step),
        ['acknowledge', 'assess_severity', 'open_channel', 'declare_roles', 'check_changes'],
      );
    });
    it('lets a reminder scheduled before a severity change exit quietly (fenced by the timer generation)', async () => {
      const id = await declare({ title: 'Turned out minor', severity: 'P1' });
      await t.api('POST', `/api/incidents/${id}/severity`, { severity: 'P3', reason: 'Only the admin dashboard' });
      clock.advance(31 * MINUTE);
      t.muster.services.runner?.wake();
      const db = t.muster.services.db.kysely;
      const stale = async () =>
        db
          .selectFrom('jobs')
          .select(['status'])
          .where('kind', '=', 'incidents.remindUpdate')
          .where('payload', 'like', `%${id}%`)
          .execute();
      const deadline = Date.now() + 10_000;
      while ((await stale()).some((j) => j.status !== 'succeeded') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        (await stale()).map((j) => j.status),
        ['succeeded'],
        'the old reminder ran once and scheduled nothing',
      );
      assert.ok(!(await kinds(id)).includes('update_reminder'));
    });
    it('marks services affected after declaration, filters the list by service, and documents the API', async () => {
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: `Mail ${engine}` });
      const svc = await t.api<{ id: string; slug: string }>('POST', '/api/services', {
        name: `mailer-${engine}`,
        teamId: team.body.id,
      });
      const id = await declare({ title: 'Mail delayed', severity: 'P2' });
      const d = await t.api<Detail & { services: { id: string }[] }>('POST', `/api/incidents/${id}/services`, {
        serviceId: svc.body.slug,
      });
      assert.deepEqual(
        d.body.services.map((s) => s.id),
        [svc.body.id],
      );
      const list = await t.api<{ incidents: { id: string }[] }>('GET', `/api/incidents?serviceId=${svc.body.id}`);
      assert.deepEqual(
        list.body.incidents.map((i) => i.id),
        [id],
      );
      const removed = await t.api<{ services: unknown[] }>('DELETE', `/api/incidents/${id}/services/${svc.body.id}`);
      assert.deepEqual(removed.body.services, []);
      const doc = await t.api<{ paths: Record<string, unknown> }>('GET', '/api/openapi.json');
      assert.ok('/api/incidents/{id}/stream' in doc.body.paths);
      assert.ok('/api/incidents/{id}/roles/{role}' in doc.body.paths);
    });
  });
}
