/**
 * The incident's bridge call and "add responders" (issue 22, items 1 and 2), on both engines, over real HTTP with the
 * real job runner and a local SMTP sink: a team's bridge template resolved at declaration, shown in the page, joining
 * it ticks "open the incident channel"; responders paged through a policy (its next level after the delay, or at
 * once when everyone paged can't help), a person who declines, acknowledgement stopping the escalation, all in the
 * room's timeline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { apiFor, startTestMuster, type ApiCall, type TestMuster } from '../testing/server.js';
import { SmtpSink } from '../testing/smtp.js';

const WH = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

interface Req {
  id: string;
  state: string;
  target: { type: string; name: string };
  paged: { userId: string; name: string; hasDeclined: boolean }[];
}

for (const engine of ENGINES) {
  describe(`bridge call and add responders [${engine}]`, () => {
    let t: TestMuster;
    let smtp: SmtpSink;
    const clock = new FakeClock(Date.parse('2026-05-04T10:00:00Z'));
    let teamId: string;
    let serviceId: string;
    const users: Record<'ic' | 'bob' | 'carol' | 'dave' | 'viewer', string> = {
      ic: '',
      bob: '',
      carol: '',
      dave: '',
      viewer: '',
    };
    const as: Record<string, ApiCall> = {};

    const until = async <T>(what: string, fn: () => Promise<T | null | undefined | false>): Promise<T> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const v = await fn();
        if (v) return v;
        assert.ok(Date.now() < deadline, `timed out waiting for: ${what}`);
        t.muster.services.runner?.wake();
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    /** A busy SMTP destination retries a few seconds later on the fake clock: move it on while waiting for mail. */
    const untilMailed = (what: string, fn: () => boolean) =>
      until(what, async () => {
        if (fn()) return true;
        clock.advance(500);
        return false;
      });
    const mailsTo = (who: string) => smtp.messages.filter((m) => m.to.some((a) => a.includes(`${who}@example.test`)));
    const timeline = async (incidentId: string) =>
      (
        await t.api<{ events: { kind: string; body: string; actorLabel: string }[] }>(
          'GET',
          `/api/incidents/${incidentId}/timeline`,
        )
      ).body.events;
    const requests = async (incidentId: string) =>
      (await t.api<{ requests: Req[] }>('GET', `/api/incidents/${incidentId}/responder-requests`)).body.requests;
    const declare = async (title: string) => {
      const r = await as.ic!<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity: 'P1',
        serviceIds: [serviceId],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };

    before(async () => {
      smtp = await new SmtpSink().start();
      t = await startTestMuster(
        engine,
        { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.from': 'muster@example.test' },
        { clock },
      );
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' })).body.id;
      for (const name of Object.keys(users) as (keyof typeof users)[]) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, {
          role: name === 'viewer' ? 'viewer' : 'responder',
        });
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'email',
          address: `${name}@example.test`,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
        const tok = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: u.body.user.id });
        assert.equal(tok.status, 201, JSON.stringify(tok.body));
        as[name] = apiFor(t.url, tok.body.token);
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Database on call',
        timezone: 'UTC',
        layers: [
          {
            name: 'Weekly',
            participants: [users.bob],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-04-27',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      const p = await t.api('POST', '/api/escalation-policies', {
        teamId,
        name: 'Database escalation',
        repeat: 0,
        workingHours: WH,
        levels: [
          { delayMinutes: 10, targets: [{ type: 'schedule', id: s.body.id }] },
          { delayMinutes: 10, targets: [{ type: 'user', id: users.carol }] },
        ],
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
    });
    after(async () => {
      await t.stop();
      await smtp.close();
    });

    it("a team's bridge: checked, resolved at declaration, in the page, and joining it ticks the channel step", async () => {
      const bad = await t.api<{ error: { details: { field: string }[] } }>('PUT', `/api/teams/${teamId}/bridge`, {
        mode: 'fixed',
        url: 'javascript:alert(1)',
      });
      assert.equal(bad.status, 400);
      assert.ok(JSON.stringify(bad.body).includes('url'), JSON.stringify(bad.body));
      const unknown = await t.api('PUT', `/api/teams/${teamId}/bridge`, {
        mode: 'template',
        url: 'https://meet.jit.si/muster-{incident_number}',
      });
      assert.equal(unknown.status, 400);
      assert.match(JSON.stringify(unknown.body), /incident_number/);
      const notAdmin = await as.bob!('PUT', `/api/teams/${teamId}/bridge`, {
        mode: 'fixed',
        url: 'https://meet.example.test/x',
      });
      assert.equal(notAdmin.status, 403);
      const set = await t.api<{ bridge: { mode: string; url: string } }>('PUT', `/api/teams/${teamId}/bridge`, {
        mode: 'template',
        url: 'https://meet.jit.si/muster-{team}-{incident_key}',
        dialIn: '+44 20 7946 0000 PIN 4242#',
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(
        (await as.viewer!<{ bridge: { url: string } }>('GET', `/api/teams/${teamId}/bridge`)).body.bridge.url,
        'https://meet.jit.si/muster-{team}-{incident_key}',
      );

      const id = await declare('Checkout down');
      const b = await t.api<{ bridge: { url: string; dialIn: string; incidentKey: string; source: string } }>(
        'GET',
        `/api/incidents/${id}/bridge`,
      );
      assert.equal(b.status, 200);
      assert.equal(b.body.bridge.url, `https://meet.jit.si/muster-payments-${b.body.bridge.incidentKey}`);
      assert.equal(b.body.bridge.incidentKey.length, 10);
      assert.equal(b.body.bridge.source, 'team');
      assert.equal(b.body.bridge.dialIn, '+44 20 7946 0000 PIN 4242#');
      assert.ok((await timeline(id)).some((e) => e.kind === 'bridge_set' && e.body.includes(b.body.bridge.url)));

      // The channel step is open until someone joins the bridge (nobody opened the room here).
      const step = async () =>
        (
          await t.api<{ checklist: { step: string; doneAt: string | null; doneBy: string | null }[] }>(
            'GET',
            `/api/incidents/${id}`,
          )
        ).body.checklist.find((c) => c.step === 'open_channel')!;
      assert.equal((await step()).doneAt, null);
      const joined = await as.viewer!<{ isFirstJoin: boolean }>('POST', `/api/incidents/${id}/bridge/join`);
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      assert.equal(joined.body.isFirstJoin, true);
      assert.equal(
        (await as.viewer!<{ isFirstJoin: boolean }>('POST', `/api/incidents/${id}/bridge/join`)).body.isFirstJoin,
        false,
      );
      const s = await step();
      assert.ok(s.doneAt);
      assert.equal(s.doneBy, 'bridge_joined');
      assert.equal((await timeline(id)).filter((e) => e.kind === 'bridge_joined').length, 1);

      // Set in the room instead (an incident actor), checked the same way.
      const badRoom = await as.ic!('PUT', `/api/incidents/${id}/bridge`, { url: 'ftp://x.example.test' });
      assert.equal(badRoom.status, 400);
      const room = await as.ic!<{ bridge: { url: string; source: string } }>('PUT', `/api/incidents/${id}/bridge`, {
        url: 'https://zoom.example.test/j/123',
      });
      assert.equal(room.status, 200, JSON.stringify(room.body));
      assert.equal(room.body.bridge.source, 'room');
      assert.equal((await as.viewer!('PUT', `/api/incidents/${id}/bridge`, null)).status, 403);
    });

    it('adds responders: a policy escalates, a person declines, an acknowledgement stops it; all in the room', async () => {
      const id = await declare('Payments failing');
      const bridgeUrl = (await t.api<{ bridge: { url: string } }>('GET', `/api/incidents/${id}/bridge`)).body.bridge
        .url;
      // Bad input names its field; a viewer may not page.
      const bad = await as.ic!('POST', `/api/incidents/${id}/responder-requests`, {
        targets: [{ type: 'policy', id: 'No such policy' }],
      });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /targets\.0\.id/);
      assert.equal(
        (
          await as.viewer!('POST', `/api/incidents/${id}/responder-requests`, {
            targets: [{ type: 'user', id: users.dave }],
          })
        ).status,
        403,
      );

      const created = await as.ic!<{ requests: Req[] }>('POST', `/api/incidents/${id}/responder-requests`, {
        message: 'Database is refusing connections, need a DBA',
        targets: [
          { type: 'policy', id: 'Database escalation' },
          { type: 'user', id: 'dave@example.test' },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const [policyReq, daveReq] = created.body.requests;
      assert.equal(policyReq!.state, 'paged');
      assert.deepEqual(
        policyReq!.paged.map((p) => p.name),
        ['bob'],
      );
      assert.deepEqual(
        daveReq!.paged.map((p) => p.name),
        ['dave'],
      );

      // The page goes out through the real notification path, with the message, the room and the bridge.
      await untilMailed('bob and dave paged', () => mailsTo('bob').length > 0 && mailsTo('dave').length > 0);
      const page = mailsTo('bob')[0]!;
      assert.match(page.subject, /ic@example\.test asks for your help \(P1\): Payments failing/);
      assert.match(page.text, /Database is refusing connections, need a DBA/);
      assert.ok(page.text.includes(`/incidents/${id}?responder=${policyReq!.id}`), page.text);
      assert.ok(page.text.includes(`Bridge call: ${bridgeUrl}`), page.text);
      assert.ok(page.text.includes('Dial-in: +44 20 7946 0000 PIN 4242#'), page.text);

      // Only someone paged for it may answer.
      const early = await as.carol!('POST', `/api/incidents/${id}/responder-requests/${policyReq!.id}/acknowledge`, {});
      assert.equal(early.status, 403, JSON.stringify(early.body));
      // Dave can't help: his request ends declined.
      const declined = await as.dave!<{ request: Req }>(
        'POST',
        `/api/incidents/${id}/responder-requests/${daveReq!.id}/decline`,
        { note: 'on a plane' },
      );
      assert.equal(declined.status, 200, JSON.stringify(declined.body));
      assert.equal(declined.body.request.state, 'declined');
      // Bob can't help either: the policy moves on to Carol at once.
      const moved = await as.bob!<{ request: Req }>(
        'POST',
        `/api/incidents/${id}/responder-requests/${policyReq!.id}/decline`,
        {},
      );
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.request.state, 'escalated');
      assert.deepEqual(
        moved.body.request.paged.map((p) => [p.name, p.hasDeclined]),
        [
          ['bob', true],
          ['carol', false],
        ],
      );
      await untilMailed('carol paged', () => mailsTo('carol').length > 0);
      const ack = await as.carol!<{ request: Req }>(
        'POST',
        `/api/incidents/${id}/responder-requests/${policyReq!.id}/acknowledge`,
        {},
      );
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      assert.equal(ack.body.request.state, 'acknowledged');

      const kinds = (await timeline(id)).filter((e) => /^respond/.test(e.kind));
      const said = kinds.map((e) => `${e.kind}: ${e.body}`).join('\n');
      assert.match(
        said,
        /responders_requested: ic@example\.test asked the escalation policy Database escalation for help/,
      );
      assert.match(said, /responders_paged: Paged bob \(Database escalation, level 1\)/);
      assert.match(said, /responder_declined: dave@example\.test can't help \(dave\): on a plane/);
      assert.match(said, /responders_paged: Paged carol \(Database escalation, level 2: escalated\)/);
      assert.match(said, /responder_acknowledged: carol@example\.test acknowledged and is coming to help/);

      // Nothing more is paged for these requests once they are answered, even after every delay has passed.
      clock.advance(30 * 60_000);
      await until('the remaining steps ran (stale)', async () => {
        const open = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('id')
          .where('kind', '=', 'incidents.responderStep')
          .where('status', 'in', ['pending', 'running'])
          .execute();
        return open.length === 0;
      });
      const states = Object.fromEntries((await requests(id)).map((r) => [r.target.name, r.state]));
      assert.deepEqual(states, { 'Database escalation': 'acknowledged', dave: 'declined' });
      const deliveries = await t.muster.services.db.kysely
        .selectFrom('notificationDeliveries')
        .select(['userId'])
        .where('dedupKey', 'like', 'notify:responders:%')
        .execute();
      assert.deepEqual(deliveries.map((d) => d.userId).sort(), [users.bob, users.carol, users.dave].sort());
    });

    it("escalates to the policy's next level after its delay when nobody answers", async () => {
      const id = await declare('Ledger stuck');
      const r = await as.ic!<{ requests: Req[] }>('POST', `/api/incidents/${id}/responder-requests`, {
        targets: [{ type: 'policy', id: 'Database escalation' }],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const reqId = r.body.requests[0]!.id;
      const carolBefore = mailsTo('carol').length;
      clock.advance(10 * 60_000 + 1000);
      const escalated = await until('escalated to carol', async () => {
        const x = (await requests(id)).find((q) => q.id === reqId)!;
        return x.state === 'escalated' ? x : null;
      });
      assert.deepEqual(
        escalated.paged.map((p) => p.name),
        ['bob', 'carol'],
      );
      await untilMailed('carol mailed', () => mailsTo('carol').length > carolBefore);
      // Resolving the incident ends what is still paging.
      const done = await as.ic!('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      const late = await as.ic!('POST', `/api/incidents/${id}/responder-requests`, {
        targets: [{ type: 'user', id: users.dave }],
      });
      assert.equal(late.status, 409);
    });
    it('a responder page no longer wanted is not sent: the later contact-rule step after an acknowledgement or a resolve', async () => {
      // Erin is mailed at once, and at a second address ten minutes later (two contact-rule steps).
      const erin = (
        await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'erin@example.test', name: 'erin' })
      ).body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${erin}`, { role: 'responder' });
      const asErin = apiFor(
        t.url,
        (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: erin })).body.token,
      );
      const method = async (address: string) =>
        (
          await t.api<{ contactMethod: { id: string } }>('POST', `/api/users/${erin}/contact-methods`, {
            kind: 'email',
            address,
          })
        ).body.contactMethod.id;
      const first = await method('erin-first@example.test');
      const later = await method('erin-later@example.test');
      for (const [contactMethodId, delayMinutes] of [
        [first, 0],
        [later, 10],
      ] as const) {
        const r = await t.api('POST', `/api/users/${erin}/notification-rules`, {
          contactMethodId,
          urgency: 'high',
          delayMinutes,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      for (const ending of ['acknowledge', 'resolve'] as const) {
        const id = await declare(`Queue stuck (${ending})`);
        const asked = await as.ic!<{ requests: Req[] }>('POST', `/api/incidents/${id}/responder-requests`, {
          targets: [{ type: 'user', id: erin }],
        });
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        const reqId = asked.body.requests[0]!.id;
        const deliveries = () =>
          t.muster.services.db.kysely
            .selectFrom('notificationDeliveries')
            .select(['contactMethodId', 'status', 'lastError', 'message'])
            .where('userId', '=', erin)
            .execute()
            .then((rows) => rows.filter((r) => r.message.includes(reqId)));
        await until('the first step sent', async () => {
          clock.advance(500);
          return (await deliveries()).some((d) => d.contactMethodId === first && d.status === 'sent');
        });
        assert.ok(
          (await deliveries()).some((d) => d.contactMethodId === later && d.status === 'pending'),
          'the later step is queued',
        );
        const done =
          ending === 'acknowledge'
            ? await asErin('POST', `/api/incidents/${id}/responder-requests/${reqId}/acknowledge`, {})
            : await as.ic!('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        clock.advance(11 * 60_000);
        const settled = await until('the later step settled', async () => {
          const rows = (await deliveries()).filter((d) => d.contactMethodId === later);
          return rows.every((d) => d.status !== 'pending' && d.status !== 'sending') && rows;
        });
        assert.ok(settled.length >= 1);
        for (const d of settled) {
          assert.equal(d.status, 'skipped', `${ending}: ${JSON.stringify(d)}`);
          assert.match(
            d.lastError ?? '',
            /no longer needed: the responder request was answered or the incident resolved/,
          );
        }
        assert.equal(mailsTo('erin-later').length, 0, `${ending}: nothing went to the later address`);
      }
    });
    it("a responder page's signed link acknowledges the request from a phone without a session", async () => {
      const id = await declare('Cache stampede');
      const asked = await as.ic!<{ requests: Req[] }>('POST', `/api/incidents/${id}/responder-requests`, {
        message: 'Need someone who knows the cache',
        targets: [{ type: 'user', id: users.carol }],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const reqId = asked.body.requests[0]!.id;
      await untilMailed('carol paged with a link', () =>
        mailsTo('carol').some((m) => m.text.includes(`?responder=${reqId}`) && m.text.includes('/a/')),
      );
      const mail = mailsTo('carol').find((m) => m.text.includes(`?responder=${reqId}`))!;
      const link = /Acknowledge: (\S+\/a\/\S+)/.exec(mail.text)?.[1];
      assert.ok(link, mail.text);
      assert.ok(!/Resolve: /.test(mail.text), 'a responder page offers no Resolve');
      // GET (what a mail scanner does) changes nothing; the page says who asks and why, with one button.
      const page = await fetch(link);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Cache stampede/);
      assert.match(html, /Need someone who knows the cache/);
      assert.match(html, /Acknowledge and join/);
      assert.equal((await requests(id)).find((q) => q.id === reqId)!.state, 'paged');
      // The button posts without a session or CSRF token: the signed link is the credential.
      const done = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=1',
      });
      assert.equal(done.status, 200, await done.clone().text());
      assert.match(await done.text(), /Acknowledged/);
      const after = (await requests(id)).find((q) => q.id === reqId)!;
      assert.equal(after.state, 'acknowledged');
      const events = await timeline(id);
      assert.ok(
        events.some((e) => e.kind === 'responder_acknowledged' && e.actorLabel === 'carol@example.test (link)'),
        JSON.stringify(events.map((e) => [e.kind, e.actorLabel])),
      );
      const again = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=1',
      });
      assert.equal(again.status >= 400 && again.status < 500, true, 'a link works once');
      // A forged link (another request id in the same token) is refused.
      const [v, payload, mac] = link.slice(link.indexOf('/a/') + 3).split('.') as [string, string, string];
      const claim = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claim, r: 'rsp_other' })).toString('base64url');
      const bad = await fetch(`${link.slice(0, link.indexOf('/a/') + 3)}${v}.${forged}.${mac}`);
      assert.equal(bad.status >= 400 && bad.status < 500, true);
    });
  });
}
