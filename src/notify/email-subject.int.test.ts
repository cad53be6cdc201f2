/**
 * What email says, read from a real SMTP server: every subject carries the "[Muster]" prefix once (pages, the
 * Incident Commander page, low-urgency and drill mail), and a page names the alert's dashboard beside its runbook.
 * Both engines, the real job runner.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { SmtpSink } from '../testing/smtp.js';
import { emailSubject } from './email.js';

const TWICE = /\[Muster[^\]]*\].*\[Muster/i;

describe('email subjects', () => {
  it('carry the prefix once whatever the producer wrote', () => {
    for (const [subject, urgency, drill, want] of [
      ['Disk full', 'high', false, '[Muster] Disk full'],
      ['[Muster] Disk full', 'high', false, '[Muster] Disk full'],
      ['[Muster] [Muster] Disk full', 'low', false, '[Muster, low] Disk full'],
      [
        '[Muster, low] Hand-off: you are on call for Primary',
        'high',
        false,
        '[Muster] Hand-off: you are on call for Primary',
      ],
      ['[Muster] Checkout errors', 'high', true, '[DRILL] [Muster] Checkout errors'],
      ['[DRILL] [Muster] Checkout errors', 'low', false, '[DRILL] [Muster, low] Checkout errors'],
      ['Why [Muster] pages', 'high', false, '[Muster] Why [Muster] pages'],
    ] as const) {
      assert.equal(emailSubject({ subject, urgency, drill }), want, subject);
    }
  });
});

for (const engine of ENGINES) {
  describe(`email content [${engine}]`, () => {
    let t: TestMuster;
    let smtp: SmtpSink;
    let key: string;
    let teamId: string;
    let serviceId: string;

    before(async () => {
      smtp = await new SmtpSink().start();
      t = await startTestMuster(engine, {
        'smtp.host': '127.0.0.1',
        'smtp.port': smtp.port,
        'smtp.from': 'muster@example.test',
      });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Mail' })).body.id;
      const rita = (
        await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'rita@example.test', name: 'Rita' })
      ).body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${rita}`, { role: 'responder' });
      const cm = await t.api('POST', `/api/users/${rita}/contact-methods`, {
        kind: 'email',
        address: 'rita@example.test',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Mail',
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [{ delayMinutes: 30, targets: [{ type: 'user', id: rita }] }],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Checkout',
        teamId,
        escalationPolicyId: policy.body.id,
      });
      serviceId = svc.body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
      const ic = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Incident commanders',
        timezone: 'UTC',
        layers: [
          {
            name: 'Weekly',
            participants: [rita],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(ic.status, 201, JSON.stringify(ic.body));
      const set = await t.api('PUT', '/api/settings/incident-commander-schedule', { scheduleId: ic.body.id });
      assert.ok(set.status < 300, JSON.stringify(set.body));
    });
    after(async () => {
      await t.stop();
      await smtp.close();
    });

    it('pages with one prefix, the runbook and the dashboard', async () => {
      const r = await t.api('POST', `/integrations/generic/${key}`, {
        status: 'firing',
        dedupKey: 'disk-db-1',
        title: 'Disk full on db-1',
        severity: 'critical',
        annotations: { runbook_url: 'https://runbooks.example.test/disk' },
        links: [
          { href: 'https://grafana.example.test/d/db', text: 'Grafana dashboard' },
          { href: 'https://deploys.example.test/checkout', text: 'Recent deploys' },
        ],
      });
      assert.ok(r.status < 300, JSON.stringify(r.body));
      t.muster.services.runner?.wake();
      await smtp.waitFor((ms) => ms.some((m) => m.subject.includes('Disk full on db-1')));
      const page = smtp.messages.find((m) => m.subject.includes('Disk full on db-1'))!;
      assert.equal(page.subject, '[Muster] Disk full on db-1');
      assert.match(page.text, /Runbook: https:\/\/runbooks\.example\.test\/disk/);
      assert.match(page.text, /Dashboard: https:\/\/grafana\.example\.test\/d\/db/);
      assert.match(page.html, /https:\/\/grafana\.example\.test\/d\/db/);
    });

    it('leaves the dashboard line out when the alert has none', async () => {
      const r = await t.api('POST', `/integrations/generic/${key}`, {
        status: 'firing',
        dedupKey: 'queue-lag',
        title: 'Queue lag on orders',
        severity: 'critical',
        annotations: { runbook_url: 'https://runbooks.example.test/queue' },
      });
      assert.ok(r.status < 300, JSON.stringify(r.body));
      t.muster.services.runner?.wake();
      await smtp.waitFor((ms) => ms.some((m) => m.subject.includes('Queue lag on orders')));
      const page = smtp.messages.find((m) => m.subject.includes('Queue lag on orders'))!;
      assert.match(page.text, /Runbook: https:\/\/runbooks\.example\.test\/queue/);
      assert.doesNotMatch(page.text, /Dashboard:/);
    });

    it('asks for an Incident Commander with one prefix, and no mail has it twice', async () => {
      const inc = await t.api('POST', '/api/incidents', {
        title: 'Checkout down',
        severity: 'P1',
        serviceIds: [serviceId],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      t.muster.services.runner?.wake();
      await smtp.waitFor((ms) => ms.some((m) => m.subject.includes('needs an Incident Commander')));
      const icPage = smtp.messages.find((m) => m.subject.includes('needs an Incident Commander'))!;
      assert.match(icPage.subject, /^\[Muster(, low)?\] P1 needs an Incident Commander: Checkout down$/);
      assert.ok(smtp.messages.length >= 3);
      for (const m of smtp.messages) assert.doesNotMatch(m.subject, TWICE, m.subject);
    });
  });
}
