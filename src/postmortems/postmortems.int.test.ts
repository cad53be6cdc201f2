import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, HOUR, MINUTE } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface Pm {
  id: string;
  incidentId: string;
  status: string;
  owner: { id: string; name: string } | null;
  dueAt: string | null;
  isRequired: boolean;
  isOverdue: boolean;
  revision: number;
  template: { id: string };
  sections: { key: string; kind: string; body: string; isFilled: boolean; required: boolean }[];
  impact: {
    alertCount: number;
    durationSeconds: number | null;
    services: { name: string }[];
    mttaSeconds: number | null;
  };
  reviewers: { user: { id: string }; decision: string }[];
  blame: { findings: { fingerprint: string; sectionKey: string }[]; dismissed: { fingerprint: string }[] };
  publishProblems: { code: string; sectionKey?: string }[];
}
interface Item {
  ref: string;
  kind: string;
  source: string;
  body: string;
  starred: boolean;
  hidden: boolean;
  entryId?: string;
}
interface Timeline {
  events: Item[];
  milestones: Record<string, string | null>;
  metrics: { mttdSeconds: number | null; mttaSeconds: number | null; mttrSeconds: number | null };
}

// A Wednesday, 10:00 UTC: five business days after a Wednesday is the next Wednesday.
const START = Date.UTC(2026, 11, 2, 10, 0, 0);

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of ENGINES) {
  describe(`post-mortems [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(START);
    const u: Record<'ida' | 'tom' | 'rita' | 'ada', string> = { ida: '', tom: '', rita: '', ada: '' };
    let ritaToken = '';
    let teamId = '';
    let serviceId = '';
    let key = '';
    let p1 = ''; // the P1 incident
    let pm1: Pm;
    let p3 = '';

    const ok = <T>(r: { status: number; body: T }, what: string, want?: number): T => {
      if (want) assert.equal(r.status, want, `${what}: ${JSON.stringify(r.body)}`);
      else assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const timeline = async (id: string, view = '') =>
      ok(await t.api<Timeline>('GET', `/api/postmortems/${id}/timeline${view ? `?view=${view}` : ''}`), 'timeline');
    const declare = async (body: Record<string, unknown>) =>
      ok(await t.api<{ incident: { id: string } }>('POST', '/api/incidents', body), 'declare', 201).incident.id;
    const setStatus = async (id: string, status: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/status`, { status }), `status ${status}`);

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      for (const [k, name] of [
        ['ida', 'Ida Commander'],
        ['tom', 'Tom Techlead'],
        ['rita', 'Rita Reviewer'],
        ['ada', 'Ada Teamadmin'],
      ] as const) {
        const r = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${k}@example.test`,
          name,
        });
        u[k] = ok(r, `user ${k}`).user.id;
      }
      ritaToken = ok(
        await t.api<{ token: string }>('POST', '/api/tokens', { name: 'rita', userId: u.rita }),
        'token',
      ).token;
      teamId = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' }), 'team').id;
      ok(await t.api('PUT', `/api/teams/${teamId}/members/${u.ada}`, { role: 'admin' }), 'team admin');
      ok(await t.api('PUT', `/api/teams/${teamId}/members/${u.ida}`, { role: 'responder' }), 'responder');
      serviceId = ok(await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' }), 'svc').id;
      key = ok(
        await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;
      for (const who of ['ida', 'ada'] as const) {
        ok(
          await t.api('POST', `/api/users/${u[who]}/contact-methods`, {
            kind: 'email',
            address: `${who}@example.test`,
          }),
          `contact ${who}`,
        );
      }
    });
    after(async () => t.stop());

    it('a resolved P1 gets a required post-mortem, due in 5 business days, its timeline pre-filled', async () => {
      const fired = ok(
        await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          { status: 'firing', dedupKey: 'checkout-5xx', title: 'Checkout 5xx above 5%' },
          null,
        ),
        'alert',
      );
      const alertId = fired.alerts[0]!.alertId;
      clock.advance(2 * MINUTE);
      ok(await t.api('POST', `/api/alerts/${alertId}/acknowledge`, {}), 'ack');
      clock.advance(MINUTE);
      p1 = await declare({
        title: 'Checkout failing',
        severity: 'P2',
        serviceIds: [serviceId],
        alertIds: [alertId],
      });
      ok(await t.api('PUT', `/api/incidents/${p1}/roles/commander`, { userId: u.ida }), 'commander');
      ok(
        await t.api('POST', `/api/incidents/${p1}/severity`, { severity: 'P1', reason: 'all card payments fail' }),
        'severity',
      );
      ok(await t.api('POST', `/api/incidents/${p1}/notes`, { text: 'Rolled back the config push.' }), 'note');
      ok(
        await t.api('PUT', `/api/incidents/${p1}/milestones/impactStartedAt`, {
          at: new Date(START - 10 * MINUTE).toISOString(),
          reason: 'error rate rose at 09:50',
        }),
        'milestone',
      );
      clock.set(START + 2 * HOUR);
      await setStatus(p1, 'resolved');
      const resolvedAt = clock.now();

      pm1 = await waitFor(async () => {
        const r = await t.api<Pm>('GET', `/api/incidents/${p1}/postmortem`);
        return r.status === 200 ? r.body : undefined;
      });
      assert.equal(pm1.status, 'draft');
      assert.equal(pm1.isRequired, true);
      assert.equal(pm1.owner?.id, u.ida, 'the Incident Commander at resolution owns it');
      assert.equal(pm1.dueAt, new Date(resolvedAt + 7 * DAY).toISOString(), 'Wednesday + 5 business days');
      assert.equal(pm1.template.id, 'pmt_standard');
      assert.equal(pm1.revision, 1);
      assert.equal(pm1.impact.alertCount, 1);
      assert.deepEqual(
        pm1.impact.services.map((s) => s.name),
        ['Checkout'],
      );
      assert.equal(pm1.impact.durationSeconds, (2 * HOUR + 10 * MINUTE) / 1000);
      assert.equal(pm1.impact.mttaSeconds, 120, 'from the alert firing to its acknowledgement');

      const tl = await timeline(pm1.id);
      const kinds = new Set(tl.events.map((e) => e.kind));
      for (const k of ['declared', 'severity_changed', 'role_assigned', 'alert_fired', 'alert_acknowledged', 'note']) {
        assert.ok(kinds.has(k), `timeline has ${k}: ${[...kinds].join(', ')}`);
      }
      assert.ok(tl.events.some((e) => e.kind === 'severity_changed' && e.body.includes('all card payments fail')));
      assert.ok(tl.events.some((e) => e.ref === `alert:${alertId}:fired` && e.source === 'alert'));
      assert.ok(tl.events.some((e) => e.ref === 'milestone:impactStartedAt' && e.source === 'milestone'));
      assert.ok(tl.events.some((e) => e.kind === 'milestone_changed'));
      assert.equal(
        tl.events.some((e) => e.kind === 'joined'),
        false,
        'room joins are noise',
      );
      assert.equal(tl.metrics.mttdSeconds, 10 * 60);

      // The incident shows it; reopening and resolving again leaves the one post-mortem alone.
      const detail = ok(
        await t.api<{ postmortem: { id: string; isRequired: boolean } | null; postmortemExpected: boolean }>(
          'GET',
          `/api/incidents/${p1}`,
        ),
        'detail',
      );
      assert.equal(detail.postmortem?.id, pm1.id);
      assert.equal(detail.postmortemExpected, true);
      const list = ok(
        await t.api<{ incidents: { id: string; postmortem: { id: string } | null }[] }>('GET', '/api/incidents'),
        'list',
      );
      assert.equal(list.incidents.find((i) => i.id === p1)?.postmortem?.id, pm1.id);
      await setStatus(p1, 'investigating');
      await setStatus(p1, 'resolved');
      const again = ok(await t.api<Pm>('GET', `/api/incidents/${p1}/postmortem`), 'again');
      assert.equal(again.id, pm1.id);
      const count = await t.muster.services.db.kysely
        .selectFrom('postmortems')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('incidentId', '=', p1)
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1);
    });

    it('a resolved P3 gets none automatically; one is started by hand (409 the second time)', async () => {
      p3 = await declare({ title: 'Slow search', severity: 'P3', serviceIds: [serviceId] });
      await setStatus(p3, 'resolved');
      const jobs = await t.muster.services.db.kysely
        .selectFrom('jobs')
        .select('id')
        .where('uniqueKey', '=', `postmortems.create:${p3}`)
        .execute();
      assert.equal(jobs.length, 0);
      assert.equal((await t.api('GET', `/api/incidents/${p3}/postmortem`)).status, 404);
      const pm = ok(await t.api<Pm>('POST', `/api/incidents/${p3}/postmortem`, {}), 'create', 201);
      assert.equal(pm.isRequired, false);
      assert.equal(pm.template.id, 'pmt_light');
      assert.ok(pm.dueAt, 'P3: due in 10 business days');
      const dup = await t.api<{ error: { code: string } }>('POST', `/api/incidents/${p3}/postmortem`, {});
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'postmortem_exists');
    });

    it('keeps every save as a revision with a diff, and refuses a stale base revision', async () => {
      const saved = ok(
        await t.api<Pm>('PATCH', `/api/postmortems/${pm1.id}`, {
          sections: { summary: 'Card payments failed for 2 hours after a config push.' },
          baseRevision: 1,
        }),
        'save',
      );
      assert.equal(saved.revision, 2);
      assert.equal(saved.sections.find((s) => s.key === 'summary')?.isFilled, true);
      const stale = await t.api<{ error: { code: string } }>('PATCH', `/api/postmortems/${pm1.id}`, {
        sections: { summary: 'Something else' },
        baseRevision: 1,
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'revision_conflict');
      ok(
        await t.api('PATCH', `/api/postmortems/${pm1.id}`, {
          title: 'Post-mortem: card payments down',
          sections: { summary: 'Card payments failed for 2 hours after a bad config push.' },
          baseRevision: 2,
        }),
        'save 3',
      );
      const revs = ok(
        await t.api<{ revision: number; summary: string }[]>('GET', `/api/postmortems/${pm1.id}/revisions`),
        'revisions',
      );
      assert.deepEqual(
        revs.map((r) => r.revision),
        [3, 2, 1],
      );
      assert.match(revs[0]!.summary, /title/);
      const r3 = ok(
        await t.api<{ diff: { field: string; sectionKey?: string; unified: string }[] }>(
          'GET',
          `/api/postmortems/${pm1.id}/revisions/3`,
        ),
        'revision 3',
      );
      const summaryDiff = r3.diff.find((d) => d.sectionKey === 'summary');
      assert.ok(summaryDiff, JSON.stringify(r3.diff));
      assert.match(summaryDiff.unified, /\+Card payments failed for 2 hours after a bad config push\./);
      assert.match(summaryDiff.unified, /-Card payments failed for 2 hours after a config push\./);
      assert.ok(r3.diff.some((d) => d.field === 'title'));
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'PATCH',
        `/api/postmortems/${pm1.id}`,
        { sections: { nonsense: 'x' } },
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0]!.field, 'sections.nonsense');
    });

    it('checks blame on save; a dismissed finding stops blocking', async () => {
      const saved = ok(
        await t.api<Pm>('PATCH', `/api/postmortems/${pm1.id}`, {
          sections: {
            could_improve: 'John should have known better. Human error.',
            went_well: 'Alice was the incident commander.',
          },
        }),
        'save',
      );
      const mine = saved.blame.findings.filter((f) => f.sectionKey === 'could_improve');
      assert.ok(mine.length > 0, 'blameful wording is found');
      assert.equal(saved.blame.findings.filter((f) => f.sectionKey === 'went_well').length, 0, 'a neutral mention');
      assert.ok(saved.publishProblems.some((p) => p.code === 'blame_finding' && p.sectionKey === 'could_improve'));
      for (const f of mine) {
        ok(
          await t.api('POST', `/api/postmortems/${pm1.id}/blame/dismissals`, {
            fingerprint: f.fingerprint,
            reason: 'quoting the chat log',
          }),
          'dismiss',
          201,
        );
      }
      const after = ok(await t.api<Pm>('GET', `/api/postmortems/${pm1.id}`), 'get');
      assert.equal(after.blame.findings.filter((f) => f.sectionKey === 'could_improve').length, 0);
      assert.equal(after.blame.dismissed.length, mine.length);
      assert.equal(
        after.publishProblems.some((p) => p.code === 'blame_finding'),
        false,
      );
    });

    it('curates the timeline: star, hide, entries; corrects a milestone and the metrics follow', async () => {
      const tl = await timeline(pm1.id);
      const note = tl.events.find((e) => e.kind === 'note')!;
      const starred = ok(
        await t.api<Item>('PUT', `/api/postmortems/${pm1.id}/timeline/marks`, {
          ref: note.ref,
          starred: true,
          tag: 'repair',
          narrative: 'The rollback fixed it.',
        }),
        'star',
      );
      assert.equal(starred.starred, true);
      const entry = ok(
        await t.api<Item>('POST', `/api/postmortems/${pm1.id}/timeline/entries`, {
          at: new Date(START + 30 * MINUTE).toISOString(),
          body: 'Support saw the first customer tickets.',
          tag: 'detection',
        }),
        'entry',
        201,
      );
      assert.equal(entry.source, 'entry');
      const curated = await timeline(pm1.id, 'curated');
      assert.ok(curated.events.some((e) => e.ref === note.ref));
      assert.ok(curated.events.some((e) => e.entryId === entry.entryId));
      assert.equal(
        curated.events.some((e) => e.kind === 'declared'),
        false,
        'not starred',
      );
      const badRef = await t.api('PUT', `/api/postmortems/${pm1.id}/timeline/marks`, { ref: 'nothing', starred: true });
      assert.equal(badRef.status, 400);
      const before = (await timeline(pm1.id)).metrics;
      const m = ok(
        await t.api<{ metrics: Timeline['metrics']; milestones: Record<string, string> }>(
          'PUT',
          `/api/postmortems/${pm1.id}/milestones/impactStartedAt`,
          { at: new Date(START - 40 * MINUTE).toISOString(), reason: 'the logs show errors from 09:20' },
        ),
        'milestone',
      );
      assert.equal(m.metrics.mttdSeconds, (before.mttdSeconds ?? 0) + 30 * 60);
      assert.equal(m.milestones.impactStartedAt, new Date(START - 40 * MINUTE).toISOString());
      ok(await t.api('DELETE', `/api/postmortems/${pm1.id}/timeline/entries/${entry.entryId}`), 'delete entry');
    });

    it('blocks publishing until required sections, an approval and no changes requested; then publishes', async () => {
      const pm = ok(await t.api<Pm>('GET', `/api/incidents/${p3}/postmortem`), 'p3 pm');
      const blocked = await t.api<{ error: { code: string; details: { code: string; sectionKey?: string }[] } }>(
        'POST',
        `/api/postmortems/${pm.id}/publish`,
      );
      assert.equal(blocked.status, 409);
      assert.equal(blocked.body.error.code, 'publish_blocked');
      const codes = blocked.body.error.details.map((d) => `${d.code}:${d.sectionKey ?? ''}`);
      assert.ok(codes.includes('section_empty:summary'), codes.join(' '));
      assert.ok(codes.includes('review_missing:'), codes.join(' '));
      ok(
        await t.api('PATCH', `/api/postmortems/${pm.id}`, {
          sections: { summary: 'Search was slow for an hour; a cache node ran out of memory.' },
        }),
        'summary',
      );
      const inReview = ok(
        await t.api<Pm>('POST', `/api/postmortems/${pm.id}/review`, { reviewerUserIds: [u.rita] }),
        'review',
      );
      assert.equal(inReview.status, 'in_review');
      // Not a reviewer: refused. The reviewer asks for changes, which blocks; then approves.
      const notReviewer = await t.api('POST', `/api/postmortems/${pm.id}/review/decision`, { decision: 'approved' });
      assert.equal(notReviewer.status, 403);
      ok(
        await t.api(
          'POST',
          `/api/postmortems/${pm.id}/review/decision`,
          { decision: 'changes_requested', note: 'Say how we will notice next time.' },
          ritaToken,
        ),
        'changes',
      );
      const comment = ok(
        await t.api<{ id: string }>(
          'POST',
          `/api/postmortems/${pm.id}/comments`,
          { sectionKey: 'summary', body: 'How was it noticed?' },
          ritaToken,
        ),
        'comment',
        201,
      );
      ok(await t.api('POST', `/api/postmortems/${pm.id}/comments/${comment.id}/resolve`), 'resolve comment');
      const still = await t.api<{ error: { details: { code: string }[] } }>(
        'POST',
        `/api/postmortems/${pm.id}/publish`,
      );
      assert.equal(still.status, 409);
      assert.ok(still.body.error.details.some((d) => d.code === 'changes_requested'));
      ok(await t.api('POST', `/api/postmortems/${pm.id}/review`, { reviewerUserIds: [u.rita] }), 're-review');
      ok(
        await t.api('POST', `/api/postmortems/${pm.id}/review/decision`, { decision: 'approved' }, ritaToken),
        'approve',
      );
      const published = ok(
        await t.api<Pm & { publishedAt: string }>('POST', `/api/postmortems/${pm.id}/publish`),
        'pub',
      );
      assert.equal(published.status, 'published');
      assert.ok(published.publishedAt);
      const edit = await t.api<{ error: { code: string } }>('PATCH', `/api/postmortems/${pm.id}`, { title: 'x' });
      assert.equal(edit.status, 409);
      const reopened = ok(
        await t.api<Pm>('POST', `/api/postmortems/${pm.id}/reopen`, { reason: 'add the detection gap' }),
        'reopen',
      );
      assert.equal(reopened.status, 'draft');
      assert.equal(reopened.reviewers[0]!.decision, 'pending');
      const audit = await t.muster.services.db.kysely
        .selectFrom('auditEvents')
        .select('action')
        .where('targetId', '=', pm.id)
        .execute();
      const actions = new Set(audit.map((a) => a.action));
      for (const a of [
        'postmortem.created',
        'postmortem.review_requested',
        'postmortem.review_changes_requested',
        'postmortem.review_approved',
        'postmortem.published',
        'postmortem.reopened',
      ]) {
        assert.ok(actions.has(a), `audit has ${a}: ${[...actions].join(', ')}`);
      }
    });

    it('exports Markdown with every section, the curated timeline and the impact', async () => {
      const res = await fetch(`${t.url}/api/postmortems/${pm1.id}/export.md`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/markdown/);
      const md = await res.text();
      assert.match(md, /^# Post-mortem: card payments down/);
      for (const h of ['Summary', 'Timeline', 'Impact', 'Root cause', 'What went well', 'What could be improved']) {
        assert.ok(md.includes(`## ${h}`), `export has ${h}`);
      }
      assert.ok(md.includes('The rollback fixed it.'), 'the starred moment and its narrative');
      assert.ok(md.includes('| Alerts | 1 |'));
      assert.ok(md.includes('Card payments failed for 2 hours'));
    });

    it('reminds the owner before and on the due date, then tells the owner and team admins it is overdue', async () => {
      const due = Date.parse(pm1.dueAt!);
      const deliveriesFor = async (userId: string, like: string) =>
        t.muster.services.db.kysely
          .selectFrom('notificationDeliveries')
          .select('id')
          .where('userId', '=', userId)
          .where('message', 'like', `%${like}%`)
          .execute();
      clock.set(due - 2 * DAY + MINUTE); // two business days before (Monday)
      t.muster.services.runner?.wake();
      await waitFor(async () => ((await deliveriesFor(u.ida, 'Post-mortem due 20')).length ? true : undefined));
      clock.set(due - HOUR);
      t.muster.services.runner?.wake();
      await waitFor(async () => ((await deliveriesFor(u.ida, 'Post-mortem due today')).length ? true : undefined));
      assert.equal((await deliveriesFor(u.ada, 'Post-mortem')).length, 0, 'the team admin is not told yet');
      const list0 = ok(await t.api<{ items: { id: string }[] }>('GET', '/api/postmortems?overdue=true'), 'overdue');
      assert.equal(list0.items.length, 0);
      clock.set(due + MINUTE);
      t.muster.services.runner?.wake();
      await waitFor(async () => ((await deliveriesFor(u.ada, 'Post-mortem overdue')).length ? true : undefined));
      assert.ok((await deliveriesFor(u.ida, 'Post-mortem overdue')).length > 0, 'and the owner');
      const list = ok(
        await t.api<{ items: { id: string; isOverdue: boolean; teams: { name: string }[] }[] }>(
          'GET',
          '/api/postmortems?overdue=true',
        ),
        'overdue',
      );
      assert.deepEqual(
        list.items.map((i) => i.id),
        [pm1.id],
      );
      assert.equal(list.items[0]!.isOverdue, true);
      assert.deepEqual(
        list.items[0]!.teams.map((x) => x.name),
        ['Payments'],
      );
      // A new due date schedules new reminders; the old ones no longer apply.
      const next = due + 7 * DAY;
      ok(await t.api('PATCH', `/api/postmortems/${pm1.id}`, { dueAt: new Date(next).toISOString() }), 'move');
      const jobs = await t.muster.services.db.kysely
        .selectFrom('jobs')
        .select(['uniqueKey', 'status'])
        .where('uniqueKey', 'like', `postmortems.remind:${pm1.id}:%:${next}`)
        .execute();
      assert.equal(jobs.length, 3, JSON.stringify(jobs));
      const mine = ok(await t.api<{ items: { id: string }[] }>('GET', `/api/postmortems?owner=${u.ida}`), 'by owner');
      assert.deepEqual(
        mine.items.map((i) => i.id),
        [pm1.id],
      );
    });

    it('posts the public summary as the final update of the incident on the status page', async () => {
      const summary = 'A configuration change stopped card payments for two hours; checks now stop such changes.';
      ok(await t.api('PATCH', `/api/postmortems/${pm1.id}`, { publicSummary: summary }), 'summary');
      ok(
        await t.api('POST', `/api/status-page/incidents/${p1}`, { components: [], message: 'Card payments fail' }),
        'status page',
      );
      const posted = ok(
        await t.api<{ publicSummaryPublishedAt: string | null }>('POST', `/api/postmortems/${pm1.id}/public-summary`, {
          publish: true,
        }),
        'public summary',
      );
      assert.ok(posted.publicSummaryPublishedAt);
      const pub = ok(
        await t.api<{ updates: { body: string; status: string }[] }>('GET', `/api/status-page/incidents/${p1}`),
        'publication',
      );
      assert.equal(pub.updates[0]!.body, summary);
      assert.equal(pub.updates[0]!.status, 'resolved');
      // An incident that was never public: nothing to add the summary to.
      const other = ok(await t.api<Pm>('GET', `/api/incidents/${p3}/postmortem`), 'p3');
      ok(await t.api('PATCH', `/api/postmortems/${other.id}`, { publicSummary: 'Search was slow.' }), 'p3 summary');
      const refused = await t.api<{ error: { code: string } }>('POST', `/api/postmortems/${other.id}/public-summary`, {
        publish: true,
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'not_on_status_page');
    });

    it('templates: validated, built-ins kept; policies per severity', async () => {
      const dup = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/postmortem-templates',
        {
          name: 'Twice',
          sections: [
            { key: 'a', title: 'A', kind: 'text' },
            { key: 'a', title: 'A again', kind: 'text' },
          ],
        },
      );
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error.details.problems[0]!.field, 'sections[1].key');
      assert.equal((await t.api('POST', '/api/postmortem-templates', { name: 'Empty', sections: [] })).status, 400);
      const made = ok(
        await t.api<{ id: string; sections: unknown[] }>('POST', '/api/postmortem-templates', {
          name: 'Security',
          sections: [
            { key: 'summary', title: 'Summary', kind: 'text', required: true, help: 'What happened' },
            { key: 'timeline', title: 'Timeline', kind: 'timeline' },
          ],
        }),
        'template',
        201,
      );
      assert.equal(made.sections.length, 2);
      assert.equal((await t.api('DELETE', '/api/postmortem-templates/pmt_standard')).status, 409);
      const policies = ok(await t.api<{ severity: string; mode: string }[]>('GET', '/api/postmortem-policies'), 'p');
      assert.deepEqual(
        policies.map((p) => `${p.severity}:${p.mode}`),
        ['P1:required', 'P2:required', 'P3:optional', 'P4:none'],
      );
      const changed = ok(
        await t.api<{ mode: string; templateId: string }>('PUT', '/api/postmortem-policies/P4', {
          mode: 'optional',
          templateId: made.id,
          dueBusinessDays: 10,
        }),
        'policy',
      );
      assert.equal(changed.templateId, made.id);
      assert.equal((await t.api('DELETE', `/api/postmortem-templates/${made.id}`)).status, 409, 'a policy uses it');
      const refused = await t.api('PUT', '/api/postmortem-policies/P4', { mode: 'none' }, ritaToken);
      assert.equal(refused.status, 403);
    });
  });
}
