/**
 * One person as Incident Commander of two open P1/P2 incidents tells the team's administrators, by email through the
 * notify path (a real SMTP sink), once per pair; on both engines. Worked by hand: team Payments has Ada (admin) and
 * Olaf (owner) with email addresses, Vic (viewer) and Ida (responder) with email addresses too. Ida commands a P1 and
 * a P2 of its service: Ada and Olaf get one email each naming Ida and both incidents; Vic and Ida get none. A
 * severity change (the check runs again) and a third, P3 incident add no email. A second pair (a new P2) is a new
 * notification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import { startNotifyHarness, type NotifyHarness } from '../../testing/notify.js';

/** The notify path prefixes "[Muster, low] " to the subject. */
const SUBJECT = 'Ida is Incident Commander of two';

for (const engine of ENGINES) {
  describe(`double command tells the team's administrators [${engine}]`, () => {
    let h: NotifyHarness;
    const users: Record<string, string> = {};
    let service = '';

    before(async () => {
      h = await startNotifyHarness(engine);
      const { t } = h;
      const team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      service = (await t.api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Checkout' })).body.id;
      for (const [name, role] of [
        ['Ada', 'admin'],
        ['Olaf', 'owner'],
        ['Vic', 'viewer'],
        ['Ida', 'responder'],
      ] as const) {
        const email = `${name.toLowerCase()}@example.test`;
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', { email, name });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        users[name] = u.body.user.id;
        const m = await t.api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role });
        assert.equal(m.status, 200, JSON.stringify(m.body));
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'email',
          address: email,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
    });
    after(async () => h.stop());

    const declare = async (title: string, severity: string): Promise<string> => {
      const r = await h.t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity,
        serviceIds: [service],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };
    const commandedBy = async (id: string, who: string) => {
      const r = await h.t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: users[who] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    const settled = async () => {
      const db = h.t.muster.services.db.kysely;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const open = await db
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', ['people.doubleCommand', 'notify.deliver'])
          .where('status', 'in', ['pending', 'running'])
          .execute();
        if (!open.length) return;
        if (Date.now() > deadline) throw new Error(`jobs still open: ${open.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const mailsTo = (who: string) =>
      h.smtp.messages.filter((m) => m.to.some((a) => a.includes(`${who.toLowerCase()}@example.test`)));

    it('emails each admin and owner once per pair, never the viewer or the commander', async () => {
      const first = await declare('Card payments failing', 'P1');
      const second = await declare('Refunds stuck', 'P2');
      await commandedBy(first, 'Ida');
      await commandedBy(second, 'Ida');
      await h.smtp
        .waitFor((ms) => ms.filter((m) => m.subject.includes(SUBJECT)).length >= 2)
        .catch(async (e: unknown) => {
          const db = h.t.muster.services.db.kysely;
          const jobs = await db.selectFrom('jobs').select(['kind', 'status', 'lastError']).execute();
          const deliveries = await db.selectFrom('notificationDeliveries').selectAll().execute();
          throw new Error(
            `${String(e)}\n${JSON.stringify(jobs)}\n${JSON.stringify(deliveries)}\n${h.smtp.messages.map((m) => m.subject).join('; ')}`,
          );
        });
      await settled();
      for (const who of ['Ada', 'Olaf']) {
        const mails = mailsTo(who).filter((m) => m.subject.includes(SUBJECT));
        assert.equal(mails.length, 1, `${who}: ${mails.map((m) => m.subject).join(', ')}`);
        assert.equal(mails[0]!.subject, '[Muster, low] Ida is Incident Commander of two P1/P2 incidents');
        assert.match(mails[0]!.text, /Ida commands P1 "Card payments failing" and P2 "Refunds stuck" at the same time/);
        assert.match(mails[0]!.text, new RegExp(`/incidents/${first}`));
      }
      assert.equal(mailsTo('Vic').length, 0, 'a viewer is not told');
      assert.equal(mailsTo('Ida').filter((m) => m.subject.includes(SUBJECT)).length, 0);

      // The check again (a severity change) and a P3 she also commands: no new email.
      const again = await h.t.api('POST', `/api/incidents/${second}/severity`, { severity: 'P1', reason: 'worse' });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      const p3 = await declare('Slow report', 'P3');
      await commandedBy(p3, 'Ida');
      await settled();
      assert.equal(mailsTo('Ada').filter((m) => m.subject.includes(SUBJECT)).length, 1);

      // A third open P1/P2 she commands is two new pairs: two more emails to each administrator.
      const third = await declare('Payouts delayed', 'P2');
      await commandedBy(third, 'Ida');
      await h.smtp.waitFor((ms) => ms.filter((m) => m.subject.includes(SUBJECT)).length >= 6);
      await settled();
      for (const who of ['Ada', 'Olaf'])
        assert.equal(mailsTo(who).filter((m) => m.subject.includes(SUBJECT)).length, 3, who);
      assert.equal(mailsTo('Vic').length, 0);
    });
  });
}
