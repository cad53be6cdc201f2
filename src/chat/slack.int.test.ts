import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster } from '../testing/server.js';
import { SlackStandIn, type SlackMessage } from '../testing/standins/slack.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';
import { until } from '../testing/fixtures.js';

const SECRET = 'slack-signing-secret-for-tests';

interface Ev {
  seq: number;
  kind: string;
  body: string;
  actorLabel: string;
  actorUserId: string | null;
  details: Record<string, unknown>;
  isFlagged: boolean;
}

/** POST to Muster as Slack would: signed with the app's signing secret (or a given secret/time). */
async function fromSlack(
  h: NotifyHarness,
  path: 'events' | 'interactions',
  body: string,
  opts: { secret?: string; atSec?: number; contentType?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = SlackStandIn.signatureHeaders(
    opts.secret ?? SECRET,
    body,
    opts.atSec ?? Math.floor(Date.now() / 1000),
  );
  const res = await fetch(`${h.t.url}/integrations/slack/${path}`, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const messageEvent = (event: Record<string, unknown>, eventId = `Ev${Math.random().toString(36).slice(2)}`) =>
  JSON.stringify({ type: 'event_callback', event_id: eventId, team_id: 'T1', event: { type: 'message', ...event } });

async function fireAlert(h: NotifyHarness, title: string): Promise<string> {
  const team = await h.t.api<{ id: string }>('POST', '/api/teams', { name: `Team ${title}` });
  const svc = await h.t.api<{ id: string }>('POST', '/api/services', { name: `Svc ${title}`, teamId: team.body.id });
  const key = await h.t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
    source: 'generic',
  });
  const fired = await h.t.api<{ alerts: { alertId: string }[] }>(
    'POST',
    `/integrations/generic/${key.body.key}`,
    { status: 'firing', title },
    null,
  );
  assert.equal(fired.status, 200, JSON.stringify(fired.body));
  return fired.body.alerts[0]!.alertId;
}

for (const engine of ENGINES) {
  describe(`Slack incident channels and page buttons [${engine}]`, () => {
    let h: NotifyHarness;
    let adminId: string;
    let adminName: string;
    let incidentId: string;
    let channelId: string;
    const timeline = async (): Promise<Ev[]> =>
      (await h.t.api<{ events: Ev[] }>('GET', `/api/incidents/${incidentId}/timeline`)).body.events;
    const inChannel = (): SlackMessage[] => h.slack.messagesIn(channelId);
    const waitForPost = (text: string) =>
      until(`a channel post with "${text}"`, async () => inChannel().find((m) => m.text.includes(text)));

    before(async () => {
      h = await startNotifyHarness(engine, {
        'slack.signingSecret': SECRET,
        'slack.incidentChannels': true,
        'slack.interactivity': true,
      });
      const me = await h.t.api<{ id: string; name: string }>('GET', '/api/me');
      adminId = me.body.id;
      adminName = me.body.name;
      const cm = await h.t.api<{ contactMethod: { id: string } }>('POST', `/api/users/${adminId}/contact-methods`, {
        kind: 'slack',
        address: 'U0001',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const rule = await h.t.api('POST', `/api/users/${adminId}/notification-rules`, {
        contactMethodId: cm.body.contactMethod.id,
        urgency: 'high',
        delayMinutes: 0,
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
    });
    after(async () => h.stop());

    it('declaring opens inc-<n>-<slug>, invites responders with Slack, posts the header, ticks the checklist', async () => {
      const r = await h.t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout down: DNS misconfiguration',
        severity: 'P1',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      incidentId = r.body.incident.id;
      const conv = await until('the channel', async () =>
        [...h.slack.conversations.values()].find((c) => c.name.startsWith('inc-')),
      );
      assert.equal(conv.name, 'inc-1-checkout-down-dns-misconfiguration');
      channelId = conv.id;
      const header = await waitForPost('Incident #1 [P1] Checkout down');
      assert.ok(JSON.stringify(header.blocks).includes(`/incidents/${incidentId}`), 'links back to Muster');
      await until('the invite', async () => conv.members.has('U0001'));
      const events = await until('channel_opened on the timeline', async () => {
        const evs = await timeline();
        return evs.some((e) => e.kind === 'channel_opened') ? evs : null;
      });
      assert.ok(events.some((e) => e.kind === 'checklist_ticked' && e.details.step === 'open_channel'));
    });

    it('mirrors notes, status updates and status changes into the channel', async () => {
      assert.equal(
        (await h.t.api('POST', `/api/incidents/${incidentId}/notes`, { text: 'Rolled back <deploy>' })).status,
        201,
      );
      const note = await waitForPost('Rolled back &lt;deploy&gt;');
      assert.match(note.text, /^:memo: /);
      await h.t.api('POST', `/api/incidents/${incidentId}/updates`, { message: 'Customers see errors at checkout' });
      await waitForPost('Customers see errors at checkout');
      const s = await h.t.api('POST', `/api/incidents/${incidentId}/status`, { status: 'identified' });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      await waitForPost('investigating → identified');
    });

    it('turns a signed message from the channel into a note by the mapped user, without echoing it back', async () => {
      const ts = '1700001000.000100';
      const r = await fromSlack(
        h,
        'events',
        messageEvent({ channel: channelId, user: 'U0001', text: 'DNS TTL is 1h', ts }),
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.noted, true);
      const note = (await timeline()).find((e) => e.kind === 'note' && e.body === 'DNS TTL is 1h');
      assert.ok(note, 'the note is on the timeline');
      assert.equal(note.actorUserId, adminId);
      assert.equal(note.actorLabel, `${adminName} (Slack)`);
      // Slack retries deliveries: the same message is taken once.
      const again = await fromSlack(
        h,
        'events',
        messageEvent({ channel: channelId, user: 'U0001', text: 'DNS TTL is 1h', ts }),
      );
      assert.equal(again.body.noted, false);
      // A later Muster note is mirrored; the Slack-born note never was.
      await h.t.api('POST', `/api/incidents/${incidentId}/notes`, { text: 'after the slack note' });
      await waitForPost('after the slack note');
      assert.equal(inChannel().filter((m) => m.text.includes('DNS TTL is 1h')).length, 0);
      assert.equal((await timeline()).filter((e) => e.body === 'DNS TTL is 1h').length, 1);
    });

    it('ignores bot messages, its own posts and edits', async () => {
      const own = inChannel().at(-1)!;
      const cases = [
        { channel: channelId, bot_id: 'B1', text: 'bot says hi', ts: '1700001000.000200' },
        { channel: channelId, user: h.slack.botUserId, text: own.text, ts: own.ts },
        { channel: channelId, subtype: 'message_changed', text: 'edited', ts: '1700001000.000300' },
      ];
      for (const ev of cases) {
        const r = await fromSlack(h, 'events', messageEvent(ev));
        assert.equal(r.status, 200);
        assert.equal(r.body.noted, false, JSON.stringify(ev));
      }
      const notes = (await timeline()).filter((e) => e.kind === 'note' && e.details.source === 'slack');
      assert.equal(notes.length, 1);
    });

    it('answers url_verification and rejects a bad or stale signature with 401', async () => {
      const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
      const ok = await fromSlack(h, 'events', challenge);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.challenge, 'abc123');
      const body = messageEvent({ channel: channelId, user: 'U0001', text: 'forged', ts: '1700001000.000400' });
      const bad = await fromSlack(h, 'events', body, { secret: 'not-the-secret' });
      assert.equal(bad.status, 401);
      assert.equal((bad.body.error as { code: string }).code, 'slack_signature_invalid');
      const stale = await fromSlack(h, 'events', body, { atSec: Math.floor(Date.now() / 1000) - 6 * 60 });
      assert.equal(stale.status, 401);
      const unsigned = await fetch(`${h.t.url}/integrations/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(unsigned.status, 401);
      assert.ok(!(await timeline()).some((e) => e.body === 'forged'));
    });

    it('retries a post after Slack answers 429', async () => {
      h.slack.failNext(429, 1, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      await h.t.api('POST', `/api/incidents/${incidentId}/notes`, { text: 'rate limited note' });
      await waitForPost('rate limited note');
      const calls = h.slack.requests.filter(
        (q) => q.path === '/chat.postMessage' && q.body.includes('rate limited note'),
      );
      assert.ok(calls.length >= 2, `retried (${calls.length} calls)`);
      assert.equal(inChannel().filter((m) => m.text.includes('rate limited note')).length, 1);
    });

    it('records a permanent Slack error on the timeline, flagged, and stops', async () => {
      h.slack.failNext(200, 1, { ok: false, error: 'is_archived' });
      await h.t.api('POST', `/api/incidents/${incidentId}/notes`, { text: 'into the archive' });
      const problem = await until('integration_failed', async () =>
        (await timeline()).find((e) => e.kind === 'integration_failed'),
      );
      assert.match(problem.body, /is_archived/);
      assert.equal(problem.isFlagged, true);
      assert.equal(inChannel().filter((m) => m.text.includes('into the archive')).length, 0);
    });

    it('acknowledges a page from its Slack button once, as the linked user', async () => {
      const alertId = await fireAlert(h, 'Queue backlog');
      await h.notify({ userId: adminId, alertId, urgency: 'high', message: { subject: 'Queue backlog', body: 'b' } });
      const dm = await until('the Slack page', async () =>
        h.slack.messages.find((m) => m.channel === 'DU0001' && m.text.includes('Queue backlog')),
      );
      const actions = (
        dm.blocks as { type: string; elements?: { action_id?: string; value?: string; url?: string }[] }[]
      ).find((b) => b.type === 'actions')!.elements!;
      const ack = actions.find((a) => a.action_id === 'muster_acknowledge')!;
      assert.ok(ack.value && !ack.url, 'an interactive button carrying the signed token');
      const click = (user: string) =>
        fromSlack(
          h,
          'interactions',
          `payload=${encodeURIComponent(
            JSON.stringify({
              type: 'block_actions',
              user: { id: user },
              actions: [{ action_id: ack.action_id, value: ack.value }],
              response_url: `${h.slack.url}/actions/T1/1/secret`,
            }),
          )}`,
          { contentType: 'application/x-www-form-urlencoded' },
        );
      // Slack shows any answer but 200 as a bare error: problems are answered 200 and told through response_url.
      const stranger = await click('U0002');
      assert.equal(stranger.status, 200, 'a Slack user not linked to the recipient cannot use it, and is told why');
      assert.equal(stranger.body.problem, 'slack_user_not_linked');
      const notLinked = await until('the not-linked note under the page', async () =>
        h.slack.responses.find((r) => String(r.text).includes('U0002 is not linked')),
      );
      assert.equal(notLinked.response_type, 'ephemeral');
      assert.equal(notLinked.replace_original, false);
      assert.equal(
        (await h.t.api<{ status: string }>('GET', `/api/alerts/${alertId}`)).body.status,
        'triggered',
        'the stranger acknowledged nothing',
      );
      const first = await click('U0001');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.action, 'acknowledge');
      const alert = await h.t.api<{ status: string }>('GET', `/api/alerts/${alertId}`);
      assert.equal(alert.body.status, 'acknowledged');
      await until('the confirmation under the page', async () =>
        h.slack.responses.find((r) => String(r.text).includes('Acknowledged')),
      );
      const second = await click('U0001');
      assert.equal(second.status, 200, 'a second click is answered 200 ...');
      assert.equal(second.body.problem, 'action_link_used', '... and refused: single use');
      await until('the used-already note under the page', async () =>
        h.slack.responses.find((r) => String(r.text).includes('This button was used already')),
      );
    });
  });
}

for (const engine of ENGINES) {
  describe(`without Slack [${engine}]`, () => {
    it('declares and runs incidents with no channel rows, and refuses Slack requests with 404', async () => {
      const t = await startTestMuster(engine);
      try {
        const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'No Slack',
          severity: 'P2',
        });
        assert.equal(r.status, 201);
        assert.equal((await t.api('POST', `/api/incidents/${r.body.incident.id}/notes`, { text: 'fine' })).status, 201);
        const rows = await t.muster.services.db.kysely.selectFrom('chatChannels').selectAll().execute();
        assert.equal(rows.length, 0);
        const body = JSON.stringify({ type: 'url_verification', challenge: 'c' });
        const res = await fetch(`${t.url}/integrations/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...SlackStandIn.signatureHeaders(SECRET, body, Math.floor(Date.now() / 1000)),
          },
          body,
        });
        assert.equal(res.status, 404);
      } finally {
        await t.stop();
      }
    });
  });
}
