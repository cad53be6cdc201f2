/**
 * A status update posted by an automation rule reaches the incident's Slack channel as a person's does (the chat
 * mirror follows the rule's change, not only the next human one); both engines, the Slack stand-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';
import { until } from '../testing/fixtures.js';

for (const engine of ENGINES) {
  describe(`automation rule updates in Slack [${engine}]`, () => {
    let h: NotifyHarness;
    let teamId = '';
    let serviceId = '';

    before(async () => {
      h = await startNotifyHarness(engine, {
        'slack.signingSecret': 'slack-signing-secret-for-tests',
        'slack.incidentChannels': true,
      });
      teamId = (await h.t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      serviceId = (await h.t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId })).body.id;
    });
    after(async () => h.stop());

    it("posts a rule's status updates in the incident's channel, on declaration and at a milestone", async () => {
      for (const body of [
        {
          name: 'First update',
          trigger: 'incident_declared',
          conditions: { serviceIds: [serviceId] },
          action: 'post_update',
          actionConfig: { message: 'We are investigating checkout errors.' },
        },
        {
          name: 'Mitigated update',
          trigger: 'milestone_reached',
          conditions: { milestone: 'mitigatedAt' },
          action: 'post_update',
          actionConfig: { message: 'A fix is in place; we are watching checkout.' },
        },
      ]) {
        const r = await h.t.api('POST', '/api/automation-rules', { teamId, ...body });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const inc = await h.t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout errors',
        severity: 'P2',
        serviceIds: [serviceId],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const incidentId = inc.body.incident.id;
      const conv = await until('the channel', async () =>
        [...h.slack.conversations.values()].find((c) => c.name.includes('checkout-errors')),
      );
      const post = (text: string) =>
        until(`a channel post with "${text}"`, async () =>
          h.slack.messagesIn(conv.id).find((m) => m.text.includes(text)),
        );
      // Nobody touches the incident after declaring it: the rule's own change is what is mirrored.
      const first = await post('We are investigating checkout errors.');
      assert.match(first.text, /^:loudspeaker: \*Status update\* from Automation rule "First update"/);

      const m = await h.t.api('PUT', `/api/incidents/${incidentId}/milestones/mitigatedAt`, {
        at: new Date().toISOString(),
        reason: 'rolled back',
      });
      assert.ok(m.status < 300, JSON.stringify(m.body));
      await post('A fix is in place; we are watching checkout.');
      const updates = (
        await h.t.api<{ events: { kind: string; body: string }[] }>('GET', `/api/incidents/${incidentId}/timeline`)
      ).body.events.filter((e) => e.kind === 'status_update');
      assert.deepEqual(
        updates.map((e) => e.body),
        ['We are investigating checkout errors.', 'A fix is in place; we are watching checkout.'],
      );
      const mirrored = h.slack.messagesIn(conv.id).filter((x) => /Status update/.test(x.text));
      assert.equal(mirrored.length, 2, 'each update is posted once');
      const channels = [...h.slack.conversations.values()].filter((c) => c.name.includes('checkout-errors'));
      assert.equal(channels.length, 1, `one channel per incident: ${channels.map((c) => c.name).join(', ')}`);
    });
  });
}
