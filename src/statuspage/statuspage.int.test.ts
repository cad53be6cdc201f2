import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

interface PublicStatus {
  overall: { status: string };
  components: { id: string; name: string; status: string }[];
  incidents: { id: string; title: string; status: string; updates: { body: string; status: string }[] }[];
  maintenance: { id: string; title: string; status: string }[];
  history: { days: { date: string; status: string }[]; incidents: { title: string; status: string }[] };
}

const EVIL = '<script>alert("x")</script> Checkout & "payments" down';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const linkIn = (text: string, kind: 'confirm' | 'unsubscribe'): string => {
  const m = new RegExp(`https?://\\S+/status/subscribers/\\S+/${kind}\\?token=[0-9a-f]{64}`).exec(text);
  assert.ok(m, `no ${kind} link in: ${text}`);
  return m[0];
};

function verifySignature(header: string, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(m[2]!));
}

for (const engine of ENGINES) {
  describe(`status page [${engine}]`, () => {
    let h: NotifyHarness;
    let incidentId = '';
    let apiComponent = '';
    let webComponent = '';
    let webhookSecret = '';
    let unsubscribeLink = '';
    let rebindSubscriberId = '';
    // This machine has no DNS for the internet: names resolve through this table, which a test re-points.
    const dns = new Map<string, string>();
    const resolve = (host: string) => {
      const address = dns.get(host);
      if (!address) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
      return Promise.resolve([{ address, family: 4 }]);
    };
    const pub = () => h.t.api<PublicStatus>('GET', '/api/public/status', undefined, null);

    before(async () => {
      h = await startNotifyHarness(engine, {}, { resolve });
      const { api } = h.t;
      const team = await api<{ id: string }>('POST', '/api/teams', { name: `Shop ${engine}` });
      const svc = await api<{ id: string; slug: string }>('POST', '/api/services', {
        name: `checkout-${engine}`,
        teamId: team.body.id,
      });
      const c1 = await api<{ id: string; serviceIds: string[] }>('POST', '/api/status-page/components', {
        name: 'Checkout API',
        serviceIds: [svc.body.slug],
      });
      assert.equal(c1.status, 201, JSON.stringify(c1.body));
      assert.deepEqual(c1.body.serviceIds, [svc.body.id]);
      apiComponent = c1.body.id;
      const c2 = await api<{ id: string }>('POST', '/api/status-page/components', { name: 'Website' });
      webComponent = c2.body.id;
      const d = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Internal: payments DB pool exhausted',
        severity: 'P1',
        serviceIds: [svc.body.id],
      });
      assert.equal(d.status, 201, JSON.stringify(d.body));
      incidentId = d.body.incident.id;
    });
    after(async () => h.stop());

    it('confirms an email subscriber through the double opt-in link sent to the SMTP sink', async () => {
      const email = `fan-${engine}@example.test`;
      const r = await h.t.api<{ status: string }>('POST', '/api/public/status/subscribers', { email }, null);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.status, 'confirmation_sent');
      await h.smtp.waitFor((ms) => ms.some((m) => m.to.includes(email)));
      const mail = h.smtp.messages.find((m) => m.to.includes(email))!;
      const link = linkIn(mail.text, 'confirm');
      // The link's page only asks (mail scanners fetch links); the form's POST confirms.
      const page = await fetch(link);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<form method="post"/);
      const pending = await h.t.api<{ subscribers: { address: string; confirmedAt: string | null }[] }>(
        'GET',
        '/api/status-page/subscribers?status=pending',
      );
      assert.ok(pending.body.subscribers.some((s) => s.address === email));
      const confirmed = await fetch(link, { method: 'POST' });
      assert.equal(confirmed.status, 200);
      assert.match(await confirmed.text(), /Subscribed/);
      const active = await h.t.api<{ subscribers: { address: string }[] }>(
        'GET',
        '/api/status-page/subscribers?status=active',
      );
      assert.ok(active.body.subscribers.some((s) => s.address === email));
      // Flip the token's first hex digit: a changed token must not confirm.
      const flipped = link.replace(/token=(.)/, (_, c: string) => `token=${c === '0' ? '1' : '0'}`);
      assert.notEqual(flipped, link);
      const tampered = await fetch(flipped, { method: 'POST' });
      assert.equal(tampered.status, 400);
    });

    it('subscribes a webhook and returns its signing secret once; private addresses only by an administrator', async () => {
      // The receiver is on 127.0.0.1: the public endpoint refuses private addresses (SSRF); an administrator may.
      const refused = await h.t.api('POST', '/api/public/status/subscribers', { webhookUrl: h.webhook.url }, null);
      assert.equal(refused.status, 400);
      const ok = await h.t.api(
        'POST',
        '/api/public/status/subscribers',
        // A public address literal: a host name would be resolved (and this machine has no DNS for the internet).
        { webhookUrl: 'https://93.184.215.14/x' },
        null,
      );
      assert.equal(ok.status, 202);
      // Nothing listens there: remove it, so later updates go to the local receiver and the email only.
      const okId = (ok.body as { id: string }).id;
      assert.equal((await h.t.api('DELETE', `/api/status-page/subscribers/${okId}`)).status, 204);
      const r = await h.t.api<{ status: string; secret: string }>('POST', '/api/status-page/subscribers', {
        webhookUrl: h.webhook.url,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.status, 'subscribed');
      assert.ok(r.body.secret.length >= 32);
      webhookSecret = r.body.secret;
      const both = await h.t.api('POST', '/api/public/status/subscribers', { email: 'a@b.cd', webhookUrl: 'x' }, null);
      assert.equal(both.status, 400);

      // DNS rebinding: a name that resolves to a public address when subscribing, re-pointed at the local receiver
      // afterwards. Sending checks the address it connects to (next test: refused, the receiver gets nothing).
      const host = `hooks-${engine}.rebind.test`;
      dns.set(host, '93.184.215.14');
      const rebind = await h.t.api<{ id: string }>(
        'POST',
        '/api/public/status/subscribers',
        { webhookUrl: `http://${host}:${new URL(h.webhook.url).port}/hook` },
        null,
      );
      assert.equal(rebind.status, 202, JSON.stringify(rebind.body));
      rebindSubscriberId = rebind.body.id;
      dns.set(host, '127.0.0.1');
    });

    it('limits public subscriptions per address, answering 429 with Retry-After (no more confirmation mail)', async () => {
      const target = { email: 'target-of-abuse@example.test' };
      for (let i = 0; i < 3; i++) {
        const r = await h.t.api('POST', '/api/public/status/subscribers', target, null);
        assert.equal(r.status, 202, JSON.stringify(r.body));
      }
      const limited = await h.t.api<{ error: { code: string } }>(
        'POST',
        '/api/public/status/subscribers',
        target,
        null,
      );
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'subscribe_throttled');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      const other = await h.t.api('POST', '/api/public/status/subscribers', { email: 'someone@example.test' }, null);
      assert.equal(other.status, 202, 'another address from the same client still has room');
    });

    it('publishes an incident with a template update: /status and /api/public/status show it, escaped', async () => {
      const r = await h.t.api<{ publication: { title: string }; updates: { body: string; status: string }[] }>(
        'POST',
        `/api/status-page/incidents/${incidentId}`,
        {
          title: EVIL,
          impact: 'card payments fail for all customers',
          components: [{ componentId: apiComponent, status: 'major_outage' }],
          nextUpdateMinutes: 30,
        },
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.updates.length, 1);
      assert.equal(r.body.updates[0]!.status, 'investigating');
      assert.match(r.body.updates[0]!.body, /Checkout API: card payments fail for all customers/);
      assert.match(r.body.updates[0]!.body, /in 30 minutes \(by \d\d:\d\d UTC\)/);

      const j = await pub();
      assert.equal(j.status, 200);
      assert.equal(j.body.overall.status, 'major_outage');
      assert.equal(j.body.components.find((c) => c.id === apiComponent)!.status, 'major_outage');
      assert.equal(j.body.components.find((c) => c.id === webComponent)!.status, 'operational');
      assert.equal(j.body.incidents.length, 1);
      assert.equal(j.body.incidents[0]!.title, EVIL);
      const raw = JSON.stringify(j.body);
      assert.ok(!raw.includes(incidentId), 'the internal incident id stays private');
      assert.ok(!raw.includes('[P1]') && !raw.includes('pool exhausted'), 'internal text stays private');

      const page = await fetch(`${h.t.url}/status`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await page.text();
      assert.ok(!html.includes('<script>alert'), 'the title is not markup');
      assert.ok(
        html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Checkout &amp; &quot;payments&quot; down'),
      );
      assert.match(html, /Major outage/);
      assert.match(html, /<html lang="en">/);
    });

    it('notifies the confirmed email and the webhook subscriber, signed with the webhook secret', async () => {
      const mail = await waitFor('the update email', () =>
        h.smtp.messages.find((m) => m.to.includes(`fan-${engine}@example.test`) && /Unsubscribe: /.test(m.text)),
      );
      assert.match(mail.text, /card payments fail/);
      unsubscribeLink = linkIn(mail.text, 'unsubscribe');
      const hit = await waitFor('the webhook', () => h.webhook.hits.find((x) => x.body.includes('Investigating')));
      const sig = String(hit.headers['muster-signature']);
      assert.ok(verifySignature(sig, hit.body, webhookSecret), `bad signature ${sig}`);
      assert.ok(!verifySignature(sig, hit.body, 'another secret'));
      const body = JSON.parse(hit.body) as { subject: string; url: string };
      assert.match(body.subject, /Investigating: /);
      assert.equal(body.url, `${h.t.url}/status`);

      // The public subscriber whose name now resolves to 127.0.0.1 is refused at connect time, once (permanent).
      const db = h.t.muster.services.db.kysely;
      const refused = await waitFor('the re-pointed webhook to be refused', async () => {
        const n = await db
          .selectFrom('statusNotifications')
          .selectAll()
          .where('subscriberId', '=', rebindSubscriberId)
          .executeTakeFirst();
        return n?.status === 'failed' ? n : undefined;
      });
      assert.match(refused.lastError ?? '', /private, loopback or link-local address; refused/);
      assert.equal(refused.attempts, 1);
      assert.ok(
        !h.webhook.hits.some((x) => x.headers['muster-delivery-id'] === refused.id),
        'the local receiver got nothing for the re-pointed subscriber',
      );
      // Later tests count outcomes per update: remove it.
      assert.equal((await h.t.api('DELETE', `/api/status-page/subscribers/${rebindSubscriberId}`)).status, 204);
    });

    it('puts the public and internal variants on the incident timeline and summarises the incident', async () => {
      const ev = await h.t.api<{ events: { kind: string; body: string; details: { visibility?: string } }[] }>(
        'GET',
        `/api/incidents/${incidentId}/timeline`,
      );
      const updates = ev.body.events.filter((e) => e.kind === 'status_update');
      assert.deepEqual(
        updates.map((e) => e.details.visibility),
        ['public', 'internal'],
      );
      assert.match(updates[1]!.body, /^\[P1\] Investigating "/);
      const s = await h.t.api<{
        severity: { level: string; meaning: string[] };
        status: string;
        impact: string;
        components: { name: string; status: string }[];
        roles: { role: string; name: string | null }[];
        latestPublicUpdate: { body: string } | null;
        latestInternalUpdate: { body: string } | null;
        statusPage: { status: string } | null;
        milestones: { milestone: string; at: string | null }[];
        metrics: Record<string, unknown>;
        durationSeconds: number;
      }>('GET', `/api/incidents/${incidentId}/summary`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.severity.level, 'P1');
      assert.ok(s.body.severity.meaning.includes('Users cannot complete core workflows'));
      assert.equal(s.body.impact, 'card payments fail for all customers');
      assert.deepEqual(s.body.components, [
        { componentId: apiComponent, name: 'Checkout API', status: 'major_outage', label: 'Major outage' },
      ]);
      assert.deepEqual(
        s.body.roles.map((r) => r.role),
        ['commander', 'technical_lead', 'communications_lead'],
      );
      assert.match(s.body.latestPublicUpdate!.body, /card payments fail/);
      assert.match(s.body.latestInternalUpdate!.body, /^\[P1\]/);
      assert.equal(s.body.statusPage!.status, 'investigating');
      assert.equal(s.body.milestones[0]!.milestone, 'declaredAt');
      assert.ok(s.body.durationSeconds >= 0);
      assert.ok('timeToAcknowledgeSeconds' in s.body.metrics);
      assert.equal((await h.t.api('GET', '/api/incidents/inc_nope/summary')).status, 404);
    });

    it('answers an unknown template with 404 and posts with a custom one (the lookup hung the database)', async () => {
      const withinFive = <T>(p: Promise<T>) =>
        Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error('no answer in 5 s')), 5000))]);
      const unknown = await withinFive(
        h.t.api<{ error: { code: string } }>('POST', `/api/status-page/incidents/${incidentId}/updates`, {
          templateId: 'no-such-template',
        }),
      );
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
      const tpl = await h.t.api<{ id: string }>('POST', '/api/status-page/templates', {
        name: `Monitoring ${Date.now()}`,
        status: 'monitoring',
        publicText: 'A fix is in place for {{components}}; we are watching.',
      });
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
      const custom = await withinFive(
        h.t.api<{ publication: { status: string } }>('POST', `/api/status-page/incidents/${incidentId}/updates`, {
          templateId: tpl.body.id,
        }),
      );
      assert.equal(custom.status, 201, JSON.stringify(custom.body));
      assert.equal(custom.body.publication.status, 'monitoring');
      assert.equal((await withinFive(h.t.api('GET', '/readyz', undefined, null))).status, 200);
    });

    it('resolves on the page: components recover, the incident moves to the 90-day history', async () => {
      const r = await h.t.api<{ publication: { status: string; resolvedAt: string | null } }>(
        'POST',
        `/api/status-page/incidents/${incidentId}/updates`,
        { templateId: 'builtin:resolved' },
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.publication.status, 'resolved');
      assert.ok(r.body.publication.resolvedAt);
      const j = await pub();
      assert.equal(j.body.overall.status, 'operational');
      assert.equal(j.body.incidents.length, 0);
      assert.equal(j.body.history.incidents[0]!.title, EVIL);
      assert.equal(j.body.history.days.length, 90);
      assert.equal(j.body.history.days.at(-1)!.status, 'major_outage');
    });

    it('shows an administrator-set component status', async () => {
      const r = await h.t.api('PATCH', `/api/status-page/components/${webComponent}`, {
        status: 'degraded_performance',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const j = await pub();
      assert.equal(j.body.components.find((c) => c.id === webComponent)!.status, 'degraded_performance');
      assert.equal(j.body.overall.status, 'degraded_performance');
      const html = await (await fetch(`${h.t.url}/status`)).text();
      assert.match(html, /Degraded performance/);
    });

    it('unsubscribes with the signed link: later updates reach only the webhook', async () => {
      const tampered = await fetch(unsubscribeLink.replace(/subscribers\/[^/]+\//, 'subscribers/sts_other/'), {
        method: 'POST',
      });
      assert.equal(tampered.status, 400);
      const res = await fetch(unsubscribeLink, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Unsubscribed/);
      const now = Date.now();
      const m = await h.t.api<{ id: string }>('POST', '/api/status-page/maintenance', {
        title: 'Database upgrade',
        componentIds: [apiComponent],
        startsAt: new Date(now + 3_600_000).toISOString(),
        endsAt: new Date(now + 7_200_000).toISOString(),
      });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      const u = await h.t.api<{ id: string }>('POST', `/api/status-page/maintenance/${m.body.id}/updates`, {
        message: 'Planned: a short read-only period.',
      });
      assert.equal(u.status, 201, JSON.stringify(u.body));
      await waitFor('the maintenance webhook', () => h.webhook.hits.find((x) => x.body.includes('Database upgrade')));
      const rows = await waitFor('the notification outcomes', async () => {
        const list = await h.t.muster.services.db.kysely
          .selectFrom('statusNotifications')
          .innerJoin('statusSubscribers', 'statusSubscribers.id', 'statusNotifications.subscriberId')
          .select(['statusSubscribers.kind', 'statusNotifications.status'])
          .where('statusNotifications.updateId', '=', u.body.id)
          .execute();
        return list.length && list.every((x) => x.status !== 'pending') ? list : undefined;
      });
      assert.deepEqual(rows, [{ kind: 'webhook', status: 'sent' }]);
      const j = await pub();
      assert.equal(j.body.maintenance[0]!.title, 'Database upgrade');
      assert.equal(j.body.maintenance[0]!.status, 'scheduled');
    });

    it('retries a webhook that answers 503 with backoff, and stops at once on a 410', async () => {
      const m = (await h.t.api<{ maintenance: { id: string }[] }>('GET', '/api/status-page/maintenance')).body
        .maintenance[0]!;
      const outcome = async (updateId: string) =>
        waitFor('a final webhook outcome', async () => {
          const row = await h.t.muster.services.db.kysely
            .selectFrom('statusNotifications')
            .select(['status', 'attempts', 'lastError'])
            .where('updateId', '=', updateId)
            .executeTakeFirst();
          return row && row.status !== 'pending' ? row : undefined;
        });
      const post = async (message: string) =>
        (await h.t.api<{ id: string }>('POST', `/api/status-page/maintenance/${m.id}/updates`, { message })).body.id;

      h.webhook.statuses.push(503);
      const first = await post('Retry me');
      assert.deepEqual(await outcome(first), { status: 'sent', attempts: 2, lastError: null });
      assert.equal(h.webhook.hits.filter((x) => x.body.includes('Retry me')).length, 2);

      h.webhook.statuses.push(410);
      const second = await post('Gone');
      const r = await outcome(second);
      assert.equal(r.status, 'failed');
      assert.equal(r.attempts, 1);
      assert.match(r.lastError ?? '', /HTTP 410/);
    });

    it('documents the public and admin routes in the OpenAPI document', async () => {
      const doc = await h.t.api<{ paths: Record<string, unknown> }>('GET', '/api/openapi.json');
      for (const path of [
        '/api/public/status',
        '/api/public/status/subscribers',
        '/api/status-page/components',
        '/api/status-page/incidents/{incidentId}/updates',
        '/api/incidents/{id}/summary',
      ]) {
        assert.ok(doc.body.paths[path], path);
      }
    });

    it('keeps set-up to administrators', async () => {
      const u = await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: `cl-${engine}@example.test`,
        name: 'Cora Comms',
      });
      const tok = await h.t.muster.services.tokens.create(systemActor('test'), { userId: u.body.user.id, name: 'cl' });
      const asUser = (method: string, path: string, body?: unknown) => h.t.api(method, path, body, tok.token);
      assert.equal((await asUser('POST', '/api/status-page/components', { name: 'Nope' })).status, 403);
      assert.equal((await asUser('GET', '/api/status-page/subscribers')).status, 403);
      assert.equal((await asUser('GET', '/api/status-page/components')).status, 200);
      assert.equal((await h.t.api('GET', '/api/status-page/components', undefined, null)).status, 401);
    });

    it('sends a subscriber who follows some components only the updates about them (ticked on the page)', async () => {
      // The earlier tests used up this client's public subscriptions for the hour (10 per address): start afresh.
      await h.t.muster.services.db.kysely.deleteFrom('rateLimitHits').execute();
      const email = `web-only-${engine}@example.test`;
      const page = await (await fetch(`${h.t.url}/status`)).text();
      assert.match(page, new RegExp(`type="checkbox" name="componentIds" value="${webComponent}"`));
      const form = new URLSearchParams({ email });
      form.append('componentIds', webComponent);
      assert.equal((await fetch(`${h.t.url}/status/subscribe`, { method: 'POST', body: form })).status, 202);
      const mail = await waitFor('the confirmation', () => h.smtp.messages.find((m) => m.to.includes(email)));
      assert.equal((await fetch(linkIn(mail.text, 'confirm'), { method: 'POST' })).status, 200);
      const active = await h.t.api<{ subscribers: { id: string; address: string; componentIds: string[] }[] }>(
        'GET',
        '/api/status-page/subscribers?status=active',
      );
      const sub = active.body.subscribers.find((x) => x.address === email)!;
      assert.deepEqual(sub.componentIds, [webComponent]);
      assert.ok(
        active.body.subscribers.some((x) => x.componentIds.length === 0),
        'the others follow everything',
      );

      const bad = await h.t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/public/status/subscribers',
        { email: 'someone-else@example.test', componentIds: ['stc_nope'] },
        null,
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0]!.field, 'componentIds');

      const maintenance = async (title: string, componentId: string): Promise<string> => {
        const now = Date.now();
        const m = await h.t.api<{ id: string }>('POST', '/api/status-page/maintenance', {
          title,
          componentIds: [componentId],
          startsAt: new Date(now + 86_400_000).toISOString(),
          endsAt: new Date(now + 90_000_000).toISOString(),
        });
        assert.equal(m.status, 201, JSON.stringify(m.body));
        const u = await h.t.api<{ id: string }>('POST', `/api/status-page/maintenance/${m.body.id}/updates`, {
          message: `Planned: ${title}.`,
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        return u.body.id;
      };
      const apiUpdate = await maintenance('Checkout API failover drill', apiComponent);
      const webUpdate = await maintenance('Website CDN switch', webComponent);
      await waitFor('the Website update to reach the subscriber', () =>
        h.smtp.messages.find((m) => m.to.includes(email) && m.text.includes('Planned: Website CDN switch.')),
      );
      const rows = await h.t.muster.services.db.kysely
        .selectFrom('statusNotifications')
        .select('updateId')
        .where('subscriberId', '=', sub.id)
        .execute();
      assert.deepEqual(
        rows.map((r) => r.updateId),
        [webUpdate],
        'nothing about the Checkout API',
      );
      const others = await h.t.muster.services.db.kysely
        .selectFrom('statusNotifications')
        .select('subscriberId')
        .where('updateId', '=', apiUpdate)
        .execute();
      assert.ok(others.length > 0, 'subscribers of every component got the Checkout API update');
      assert.equal((await h.t.api('DELETE', `/api/status-page/subscribers/${sub.id}`)).status, 204);
    });
  });
}
