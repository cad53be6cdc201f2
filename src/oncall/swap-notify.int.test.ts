/**
 * Issue 14: a swap request notifies the person asked (email through the notify domain, its delivery committed with
 * the request) with accept and decline links to the schedule's page; the answer notifies the requester; a withdrawn
 * request tells the person asked. A refused request notifies nobody. Real SMTP stand-in, both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import type { ReceivedMail } from '../testing/smtp.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

const DAY = 86_400_000;

async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const engine of ENGINES) {
  describe(`shift swap notifications [${engine}]`, () => {
    let h: NotifyHarness;
    let scheduleId = '';
    const ids: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    const email = (name: string): string => `${name}@swap.example.test`;
    const mailTo = (name: string, subject: RegExp) => (m: ReceivedMail) =>
      m.to.includes(email(name)) && subject.test(m.subject);

    before(async () => {
      h = await startNotifyHarness(engine);
      const team = await h.t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
      for (const name of ['ana', 'ben', 'cy']) {
        const r = await h.t.api<{ user: { id: string } }>('POST', '/api/users', { email: email(name), name });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        ids[name] = r.body.user.id;
        tokens[name] = (
          await h.t.muster.services.tokens.create(systemActor('test'), { userId: r.body.user.id, name: 't' })
        ).token;
        await h.t.api('PUT', `/api/teams/${team.body.id}/members/${r.body.user.id}`, { role: 'responder' });
        const cm = await h.t.api('POST', `/api/users/${ids[name]}/contact-methods`, {
          kind: 'email',
          address: email(name),
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      // ana and ben take turns by the day.
      const s = await h.t.api<{ id: string }>('POST', '/api/schedules', {
        teamId: team.body.id,
        name: 'Payments primary',
        timezone: 'Europe/London',
        layers: [
          {
            name: 'Daily',
            participants: [ids.ana, ids.ben],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
    });
    after(async () => h?.stop());

    /** The next hour of ana's own on-call time, `skip` of her shifts from now. */
    const anasHour = async (skip: number): Promise<{ start: string; end: string }> => {
      const from = new Date(Date.now() + DAY).toISOString();
      const to = new Date(Date.now() + 20 * DAY).toISOString();
      const r = await h.t.api<{ final: { userId: string; start: string; end: string }[] }>(
        'GET',
        `/api/schedules/${scheduleId}/shifts?from=${from}&to=${to}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const shift = r.body.final.filter((s) => s.userId === ids.ana)[skip + 1]!;
      return { start: shift.start, end: new Date(Date.parse(shift.start) + 3_600_000).toISOString() };
    };

    const ask = async (skip: number, note?: string) => {
      const r = await h.t.api<{ id: string; status: string }>(
        'POST',
        `/api/schedules/${scheduleId}/swaps`,
        { targetUserId: ids.ben, ...(await anasHour(skip)), ...(note ? { note } : {}) },
        tokens.ana,
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };

    it('tells the person asked, with accept and decline links to the page, and the requester the answer', async () => {
      const swapId = await ask(0, 'dentist');
      // The delivery was committed with the request: it is in ben's log as soon as the request is answered 201.
      const log = await h.t.api<{ notifications: { subject: string }[] }>(
        'GET',
        `/api/notifications?userId=${ids.ben}`,
      );
      assert.ok(
        log.body.notifications.some((n) => n.subject === 'Shift swap: ana asks you to cover Payments primary'),
        JSON.stringify(log.body),
      );
      const mail = await until('the request mail to ben', () =>
        h.smtp.messages.find(mailTo('ben', /ana asks you to cover Payments primary/)),
      );
      const page = `${h.t.muster.services.config.publicUrl}/oncall/schedules/${scheduleId}?swap=${swapId}`;
      assert.ok(mail.text.includes(`Accept: ${page}&answer=accept`), mail.text);
      assert.ok(mail.text.includes(`Decline: ${page}&answer=decline`), mail.text);
      assert.match(mail.text, /“dentist”/);
      assert.match(mail.text, /\(Europe\/London\)/);
      assert.ok(!h.smtp.messages.some((m) => m.to.includes(email('cy'))), 'nobody else is told');

      const declined = await h.t.api('POST', `/api/swaps/${swapId}/decline`, undefined, tokens.ben);
      assert.equal(declined.status, 200, JSON.stringify(declined.body));
      const answer = await until('the answer to ana', () =>
        h.smtp.messages.find(mailTo('ana', /Shift swap declined: ben for Payments primary/)),
      );
      assert.match(answer.text, /ben declined your swap request/);
      assert.ok(answer.text.includes(page), answer.text);
    });

    it('tells the requester of an acceptance, and the person asked when a request is withdrawn', async () => {
      const accepted = await ask(1);
      assert.equal((await h.t.api('POST', `/api/swaps/${accepted}/accept`, undefined, tokens.ben)).status, 200);
      const yes = await until('the acceptance to ana', () =>
        h.smtp.messages.find(mailTo('ana', /Shift swap accepted: ben/)),
      );
      assert.match(yes.text, /ben accepted your swap request: they are on call for Payments primary/);

      const withdrawn = await ask(2);
      await until('the request mail', () =>
        h.smtp.messages.find((m) => m.to.includes(email('ben')) && m.text.includes(`swap=${withdrawn}`)),
      );
      assert.equal((await h.t.api('POST', `/api/swaps/${withdrawn}/cancel`, undefined, tokens.ana)).status, 200);
      const gone = await until('the withdrawal to ben', () =>
        h.smtp.messages.find(mailTo('ben', /Shift swap withdrawn: Payments primary/)),
      );
      assert.match(gone.text, /ana withdrew the request for you to cover Payments primary/);
    });

    it('notifies nobody about a request it refuses', async () => {
      const before = (
        await h.t.api<{ notifications: unknown[] }>('GET', `/api/notifications?userId=${ids.cy}&limit=500`)
      ).body.notifications.length;
      const r = await h.t.api<{ error: { code: string } }>(
        'POST',
        `/api/schedules/${scheduleId}/swaps`,
        { targetUserId: ids.cy, ...(await anasHour(3)), start: new Date(Date.now() - 2 * DAY).toISOString() },
        tokens.ana,
      );
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'swap_not_on_call');
      const afterwards = await h.t.api<{ notifications: unknown[] }>(
        'GET',
        `/api/notifications?userId=${ids.cy}&limit=500`,
      );
      assert.equal(afterwards.body.notifications.length, before);
    });
  });
}
