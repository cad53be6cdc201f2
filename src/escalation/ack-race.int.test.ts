/**
 * "Once an acknowledgement commits, no further page for that alert goes out": 1,000 races of an acknowledgement
 * against the escalation step and its delivery. A page whose send began after the acknowledgement's response (which
 * the server sends only after the commit) was certainly claimed after the commit: there must be none. The send's
 * start is the webhook's `sentAt`, stamped as the send begins, after its claim committed; a page claimed before the
 * commit may still arrive after the response (its send took longer than the acknowledgement), which the guarantee
 * allows. The receiver answers slowly, so without the paging gate such late pages would show up. The group case: alerts of
 * one paging group share one run and one page (the lead alert's); acknowledging the page, or each alert on its own
 * at once, races its claim the same way, and no page of the group may arrive after the last acknowledgement.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const RACES = Number(process.env.MUSTER_ACK_RACES ?? 1000);
const GROUP_RACES = Number(process.env.MUSTER_ACK_GROUP_RACES ?? 60);
const GROUP_SIZE = 4;
const PARALLEL = 10;

for (const engine of ENGINES) {
  describe(`acknowledgement races the escalation step [${engine}]`, () => {
    let t: TestMuster;
    let receiver: Server;
    let key: string;
    let groupKey: string;
    const arrivals = new Map<string, number[]>(); // alertId → when each page's send began (its sentAt, ms)

    before(async () => {
      // Two delivery slots and a receiver that takes a few ms: pages queue up, so some acknowledgements commit while
      // their page waits and others while it is being handed over.
      t = await startTestMuster(engine, { 'jobs.concurrency': 2, 'jobs.pollIntervalMs': 20 });
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            alertId?: string;
            alert?: { id?: string };
            sentAt?: string;
          };
          const alertId = body.alertId ?? body.alert?.id ?? 'unknown';
          const at = body.sentAt ? Date.parse(body.sentAt) : Date.now();
          arrivals.set(alertId, [...(arrivals.get(alertId) ?? []), at]);
          // A slow receiver widens the window in which an ungated acknowledgement could commit mid-send.
          setTimeout(() => res.writeHead(200).end('ok'), 2 + (arrivals.size % 7));
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/page`;
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Race' });
      const me = await t.api<{ id: string }>('GET', '/api/me');
      await t.api('POST', `/api/users/${me.body.id}/contact-methods`, { kind: 'webhook', address: url });
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId: team.body.id,
        name: 'Race',
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [{ delayMinutes: 1, targets: [{ type: 'user', id: me.body.id }] }],
      });
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Race',
        teamId: team.body.id,
        escalationPolicyId: policy.body.id,
      });
      key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
      // Paging groups (the default: alerts of one name on a service share a page).
      const grouped = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Race groups',
        teamId: team.body.id,
        escalationPolicyId: policy.body.id,
      });
      groupKey = (
        await t.api<{ key: string }>('POST', `/api/services/${grouped.body.id}/integration-keys`, {
          source: 'generic',
        })
      ).body.key;
    });
    after(async () => {
      await t.stop();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    });

    it(`sends no page after the acknowledgement commits (${RACES} races)`, async () => {
      const ackedAt = new Map<string, number>();
      const race = async (i: number): Promise<void> => {
        const r = await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          {
            status: 'firing',
            dedupKey: `race-${i}`,
            title: `race ${i}`,
            severity: 'critical',
          },
          null,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const alertId = r.body.alerts[0]!.alertId;
        // Acknowledge at a spread of moments: before, during and after the page is planned and sent. One race in
        // five waits for its page first, so pages that beat their acknowledgement are always part of the mix.
        if (i % 5 === 0) {
          const deadline = Date.now() + 20_000;
          while (!arrivals.has(alertId) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
        } else {
          await new Promise((res) => setTimeout(res, i % 12));
        }
        const ack = await t.api('POST', `/api/alerts/${alertId}/acknowledge`);
        assert.equal(ack.status, 200);
        ackedAt.set(alertId, Date.now());
      };
      for (let i = 0; i < RACES; i += PARALLEL) {
        await Promise.all(Array.from({ length: Math.min(PARALLEL, RACES - i) }, (_, j) => race(i + j)));
      }
      await new Promise((r) => setTimeout(r, 500)); // let any straggling delivery arrive
      let late = 0;
      let paged = 0;
      for (const [alertId, ack] of ackedAt) {
        const times = arrivals.get(alertId) ?? [];
        if (times.length) paged++;
        late += times.filter((at) => at > ack).length;
        assert.ok(times.length <= 1, `alert ${alertId} paged ${times.length} times`);
      }
      assert.equal(ackedAt.size, RACES);
      assert.equal(late, 0, `${late} pages were sent after their acknowledgement committed`);
      // Pages that went out before their acknowledgement are part of the mix (one race in five waits for its page).
      assert.ok(paged >= RACES / 5, `paged ${paged} of ${RACES}`);
      console.log(
        `# ${paged} of ${RACES} alerts paged before their acknowledgement; ${RACES - paged} acknowledged first`,
      );
    });

    it(`sends no page of a group after an acknowledgement of its alerts commits (${GROUP_RACES} races)`, async () => {
      const races: { ids: string[]; ackedAt: number }[] = [];
      const fire = async (i: number, j: number): Promise<string> => {
        const r = await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${groupKey}`,
          { status: 'firing', dedupKey: `group-${i}-${j}`, title: `group race ${i}`, severity: 'critical' },
          null,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.alerts[0]!.alertId;
      };
      const race = async (i: number): Promise<void> => {
        // The group's alerts arrive together (their transactions take the service's lock in turn: one run).
        const ids = await Promise.all(Array.from({ length: GROUP_SIZE }, (_, j) => fire(i, j)));
        if (i % 5 === 0) {
          const deadline = Date.now() + 20_000;
          while (!ids.some((id) => arrivals.has(id)) && Date.now() < deadline) {
            await new Promise((res) => setTimeout(res, 5));
          }
        } else {
          await new Promise((res) => setTimeout(res, i % 12));
        }
        if (i % 2 === 0) {
          // Acknowledging one alert's page acknowledges the group.
          const ack = await t.api('POST', `/api/alerts/${ids[i % GROUP_SIZE]}/acknowledge`);
          assert.equal(ack.status, 200);
        } else {
          // Every alert acknowledged on its own, at once: the page is wanted until the last one commits.
          const acks = await Promise.all(
            ids.map((id) => t.api('POST', `/api/alerts/${id}/acknowledge`, { onlyThisAlert: true })),
          );
          assert.ok(acks.every((a) => a.status === 200));
        }
        races.push({ ids, ackedAt: Date.now() });
      };
      for (let i = 0; i < GROUP_RACES; i += PARALLEL) {
        await Promise.all(Array.from({ length: Math.min(PARALLEL, GROUP_RACES - i) }, (_, j) => race(i + j)));
      }
      await new Promise((r) => setTimeout(r, 500)); // let any straggling delivery arrive
      let late = 0;
      let paged = 0;
      const db = t.muster.services.db.kysely;
      for (const { ids, ackedAt } of races) {
        const members = await db
          .selectFrom('escalationRunAlerts as ra')
          .innerJoin('escalationRuns as r', 'r.id', 'ra.runId')
          .innerJoin('alerts as a', 'a.id', 'ra.alertId')
          .select(['ra.runId', 'r.alertId as leadId', 'a.id', 'a.status'])
          .where('ra.alertId', 'in', ids)
          .execute();
        const runs = new Set(members.map((m) => m.runId));
        const about = async (): Promise<string> =>
          JSON.stringify({
            ids,
            members,
            log: await db
              .selectFrom('escalationLog')
              .select(['runId', 'alertId', 'kind', 'reason'])
              .where('alertId', 'in', ids)
              .orderBy('id')
              .execute(),
            events: await db
              .selectFrom('alertEvents')
              .select(['alertId', 'kind', 'actorLabel'])
              .where('alertId', 'in', ids)
              .orderBy('id')
              .execute(),
            arrivals: ids.map((id) => arrivals.get(id)?.length ?? 0),
          });
        assert.equal(members.length, GROUP_SIZE, await about());
        assert.equal(runs.size, 1, `one run for the group: ${await about()}`);
        assert.ok(
          members.every((m) => m.status === 'acknowledged'),
          await about(),
        );
        const lead = members[0]!.leadId;
        for (const id of ids) {
          if (id !== lead) assert.equal(arrivals.get(id)?.length ?? 0, 0, `a member paged alone: ${await about()}`);
        }
        const times = arrivals.get(lead) ?? [];
        assert.ok(times.length <= 1, `group of ${lead} paged ${times.length} times`);
        if (times.length) paged++;
        late += times.filter((at) => at > ackedAt).length;
      }
      assert.equal(races.length, GROUP_RACES);
      assert.equal(late, 0, `${late} group pages were sent after their acknowledgement committed`);
      assert.ok(paged >= GROUP_RACES / 5, `paged ${paged} of ${GROUP_RACES} groups`);
      console.log(`# ${paged} of ${GROUP_RACES} groups paged before their acknowledgement`);
    });
  });
}
