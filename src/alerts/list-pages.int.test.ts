/**
 * Keyset pagination of the alert and incident lists (issue 17 item 6) over HTTP on both engines: walking every page
 * returns each row once in (timestamp, id) order even when many rows share a timestamp, filters hold on every page,
 * a row deleted between pages (or a newer one added) neither shifts nor repeats the rest, and a cursor that is not this list's is a 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface AlertRow {
  id: string;
  status: string;
  severity: string;
  serviceId: string;
  createdAt: string;
}
interface IncidentRow {
  id: string;
  status: string;
  severity: string;
  declaredAt: string;
}

/** Newest first, ties by id descending: the order the lists promise. */
const byKeyDesc = (a: { at: number; id: string }, b: { at: number; id: string }) =>
  b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

for (const engine of ENGINES) {
  describe(`alert and incident lists page by cursor [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
    let teamId: string;

    async function serviceWithKey(name: string): Promise<{ serviceId: string; key: string }> {
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name, teamId, criticality: 'high' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      return { serviceId: svc.body.id, key: k.body.key };
    }

    async function fire(key: string, dedupKey: string, severity: string): Promise<string> {
      const r = await fetch(`${t.url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', dedupKey, title: `Alert ${dedupKey}`, severity }),
      });
      const body = (await r.json()) as { alerts: { alertId: string }[] };
      assert.equal(r.status, 200, JSON.stringify(body));
      return body.alerts[0]!.alertId;
    }

    /** Every page of a list: the rows in order and how many pages it took. */
    async function walk<T>(path: string, field: 'alerts' | 'incidents', limit: number) {
      const rows: T[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await t.api<Record<string, unknown> & { next: string | null }>('GET', url);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const got = r.body[field] as T[];
        assert.ok(got.length <= limit);
        rows.push(...got);
        cursor = r.body.next;
        pages++;
        assert.ok(pages < 100, 'the cursor moves on');
      } while (cursor);
      return { rows, pages };
    }

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Lists' })).body.id;
    });
    after(async () => {
      await t.stop();
    });

    it('walks the alerts once each, newest first, with ties on the timestamp ordered by id', async () => {
      const { serviceId, key } = await serviceWithKey('Cursor walk');
      const other = await serviceWithKey('Cursor other');
      const base = clock.now();
      // Three instants, seven alerts at each (ties), and an alert of another service at each.
      for (const [step, at] of [base, base + 1000, base + 2000].entries()) {
        clock.set(at);
        for (let i = 0; i < 7; i++) await fire(key, `s${step}-${i}`, i % 2 ? 'critical' : 'info');
        await fire(other.key, `o${step}`, 'critical');
      }
      const rows = await t.muster.services.db.kysely
        .selectFrom('alerts')
        .select(['id', 'createdAt', 'severity'])
        .where('serviceId', '=', serviceId)
        .execute();
      assert.equal(rows.length, 21);
      const expected = rows.map((r) => ({ at: Number(r.createdAt), id: r.id })).sort(byKeyDesc);

      for (const limit of [1, 4, 7, 20, 21, 500]) {
        const { rows: got, pages } = await walk<AlertRow>(`/api/alerts?service=${serviceId}`, 'alerts', limit);
        assert.deepEqual(
          got.map((a) => a.id),
          expected.map((e) => e.id),
          `limit ${limit}`,
        );
        assert.equal(pages, Math.max(1, Math.ceil(21 / limit)), `pages at limit ${limit}`);
      }

      // A filter holds on every page, and the pages of the filtered list are its rows in the same order.
      const critical = await walk<AlertRow>(`/api/alerts?service=${serviceId}&severity=critical`, 'alerts', 2);
      const critIds = new Set(rows.filter((r) => r.severity === 'critical').map((r) => r.id));
      assert.deepEqual(
        critical.rows.map((a) => a.id),
        expected.filter((e) => critIds.has(e.id)).map((e) => e.id),
      );
      assert.ok(critical.rows.every((a) => a.severity === 'critical' && a.serviceId === serviceId));

      // Open only: resolve four, spread over the instants; the open list never shows them on any page.
      const resolved = new Set([expected[0]!.id, expected[5]!.id, expected[8]!.id, expected[20]!.id]);
      for (const id of resolved) assert.equal((await t.api('POST', `/api/alerts/${id}/resolve`)).status, 200);
      const open = await walk<AlertRow>(`/api/alerts?service=${serviceId}&status=open`, 'alerts', 3);
      assert.deepEqual(
        open.rows.map((a) => a.id),
        expected.filter((e) => !resolved.has(e.id)).map((e) => e.id),
      );
      const onlyResolved = await walk<AlertRow>(`/api/alerts?service=${serviceId}&status=resolved`, 'alerts', 3);
      assert.deepEqual(new Set(onlyResolved.rows.map((a) => a.id)), resolved);
    });

    it('keeps its place when rows are deleted between pages, and refuses a cursor that is not its own', async () => {
      const { serviceId, key } = await serviceWithKey('Cursor deletion');
      for (let i = 0; i < 10; i++) await fire(key, `d${i}`, 'warning'); // all at one instant
      const db = t.muster.services.db.kysely;
      const all = (await walk<AlertRow>(`/api/alerts?service=${serviceId}`, 'alerts', 100)).rows.map((a) => a.id);
      assert.equal(all.length, 10);
      const page1 = await t.api<{ alerts: AlertRow[]; next: string }>(
        'GET',
        `/api/alerts?service=${serviceId}&limit=4`,
      );
      assert.deepEqual(
        page1.body.alerts.map((a) => a.id),
        all.slice(0, 4),
      );
      // The last row of page 1 (the cursor's own row) and the first row of page 2 go away.
      const gone = [all[3]!, all[4]!];
      await db.deleteFrom('alertEvents').where('alertId', 'in', gone).execute();
      await db.deleteFrom('alerts').where('id', 'in', gone).execute();
      const page2 = await t.api<{ alerts: AlertRow[]; next: string | null }>(
        'GET',
        `/api/alerts?service=${serviceId}&limit=4&cursor=${encodeURIComponent(page1.body.next)}`,
      );
      assert.equal(page2.status, 200, JSON.stringify(page2.body));
      assert.deepEqual(
        page2.body.alerts.map((a) => a.id),
        all.slice(5, 9),
      );
      const page3 = await t.api<{ alerts: AlertRow[]; next: string | null }>(
        'GET',
        `/api/alerts?service=${serviceId}&limit=4&cursor=${encodeURIComponent(page2.body.next!)}`,
      );
      assert.deepEqual(
        page3.body.alerts.map((a) => a.id),
        all.slice(9),
      );
      assert.equal(page3.body.next, null);

      // The older form: before=<alert id> reads as that alert's cursor; an unknown id names the field.
      const older = await t.api<{ alerts: AlertRow[] }>('GET', `/api/alerts?service=${serviceId}&before=${all[5]!}`);
      assert.deepEqual(
        older.body.alerts.map((a) => a.id),
        all.slice(6),
      );
      const unknown = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'GET',
        '/api/alerts?before=alr_nosuchalert',
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.problems[0]!.field, 'before');

      // Garbage, and a cursor of the incident list, are refused naming cursor.
      const incidentCursor = await incidentsPageCursor();
      for (const bad of ['not-a-cursor', Buffer.from('[1,2,3]').toString('base64url'), incidentCursor]) {
        const r = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
          'GET',
          `/api/alerts?cursor=${encodeURIComponent(bad)}`,
        );
        assert.equal(r.status, 400, bad);
        assert.equal(r.body.error.code, 'validation_failed');
        assert.equal(r.body.error.details.problems[0]!.field, 'cursor');
      }
    });

    /** A next cursor of the incident list (declares two incidents if there are not enough). */
    async function incidentsPageCursor(): Promise<string> {
      for (let i = 0; i < 2; i++)
        await t.api('POST', '/api/incidents', { title: `Cursor source ${i}`, severity: 'P4' });
      const r = await t.api<{ next: string }>('GET', '/api/incidents?limit=1');
      assert.ok(r.body.next);
      return r.body.next;
    }

    it('walks the incidents by declaration time with ties and filters, unmoved by newer ones declared between pages', async () => {
      const svc = await serviceWithKey('Incident list');
      const base = clock.now() + 60_000;
      const made: string[] = [];
      for (const [step, at] of [base, base + 1000].entries()) {
        clock.set(at);
        for (let i = 0; i < 6; i++) {
          const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
            title: `Keyset ${step}.${i}`,
            severity: i % 2 ? 'P2' : 'P3',
            ...(i < 3 ? { serviceIds: [svc.serviceId] } : {}),
          });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          made.push(r.body.incident.id);
        }
      }
      const db = t.muster.services.db.kysely;
      const rows = await db.selectFrom('incidents').select(['id', 'declaredAt', 'severity']).execute();
      const expected = rows.map((r) => ({ at: Number(r.declaredAt), id: r.id })).sort(byKeyDesc);
      const walked = await walk<IncidentRow>('/api/incidents', 'incidents', 5);
      assert.deepEqual(
        walked.rows.map((i) => i.id),
        expected.map((e) => e.id),
      );
      // Filters: the service's incidents, one severity, open ones (two resolved).
      const ofService = await walk<IncidentRow>(`/api/incidents?serviceId=${svc.serviceId}`, 'incidents', 2);
      const mine = new Set([...made.slice(0, 3), ...made.slice(6, 9)]);
      assert.deepEqual(
        ofService.rows.map((i) => i.id),
        expected.filter((e) => mine.has(e.id)).map((e) => e.id),
      );
      const sev2 = await walk<IncidentRow>('/api/incidents?severity=P2', 'incidents', 2);
      assert.ok(sev2.rows.length >= 6 && sev2.rows.every((i) => i.severity === 'P2'));
      for (const id of [made[1]!, made[7]!]) {
        const r = await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const open = await walk<IncidentRow>('/api/incidents?status=open', 'incidents', 3);
      assert.deepEqual(
        open.rows.map((i) => i.id),
        expected.filter((e) => e.id !== made[1] && e.id !== made[7]).map((e) => e.id),
      );
      assert.ok(open.rows.every((i) => i.status !== 'resolved'));

      // Declared between pages: newer incidents do not push the next page along (no repeats, no gaps).
      const page1 = await t.api<{ incidents: IncidentRow[]; next: string }>('GET', '/api/incidents?limit=3');
      const ids = expected.map((e) => e.id);
      assert.deepEqual(
        page1.body.incidents.map((i) => i.id),
        ids.slice(0, 3),
      );
      for (let i = 0; i < 4; i++) await t.api('POST', '/api/incidents', { title: `Later ${i}`, severity: 'P4' });
      const page2 = await t.api<{ incidents: IncidentRow[] }>(
        'GET',
        `/api/incidents?limit=3&cursor=${encodeURIComponent(page1.body.next)}`,
      );
      assert.deepEqual(
        page2.body.incidents.map((i) => i.id),
        ids.slice(3, 6),
      );
    });
  });
}
