import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR } from '../shared/clock.js';
import { escapeHtml, renderMessagePage } from './html.js';
import {
  BUILT_IN_TEMPLATES,
  componentList,
  effectiveStatus,
  historyDays,
  historySummary,
  followsUpdate,
  isPrivateWebhookHost,
  resolvesToPrivateHost,
  isValidLinkToken,
  linkToken,
  maintenancePhase,
  nextUpdateText,
  overallStatus,
  renderTemplate,
  unknownPlaceholders,
  worstStatus,
} from './model.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0);

describe('status page model', () => {
  it('ranks statuses so the worst wins, maintenance below any degradation', () => {
    assert.equal(worstStatus([]), 'operational');
    assert.equal(worstStatus(['operational', 'under_maintenance']), 'under_maintenance');
    assert.equal(worstStatus(['under_maintenance', 'degraded_performance']), 'degraded_performance');
    assert.equal(worstStatus(['partial_outage', 'major_outage', 'operational']), 'major_outage');
    assert.equal(overallStatus(['operational', 'operational']).text, 'All systems operational');
  });

  it('shows open incidents over maintenance over the manual status', () => {
    const inc = [{ components: [{ componentId: 'a', status: 'partial_outage' as const }] }];
    const mnt = [{ componentIds: ['a', 'b'] }];
    assert.equal(effectiveStatus('a', 'operational', inc, mnt), 'partial_outage');
    assert.equal(effectiveStatus('b', 'operational', inc, mnt), 'under_maintenance');
    assert.equal(effectiveStatus('b', 'major_outage', inc, mnt), 'major_outage');
    assert.equal(effectiveStatus('c', 'degraded_performance', inc, mnt), 'degraded_performance');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    const out = renderTemplate('{{title}} is {{ status }}; {{oops}}', { title: 'API', status: 'Identified' });
    assert.equal(out, 'API is Identified; {{oops}}');
    assert.deepEqual(unknownPlaceholders('{{title}} {{oops}} {{next_update}} {{oops}}'), ['oops']);
    for (const t of BUILT_IN_TEMPLATES) {
      assert.deepEqual(unknownPlaceholders(t.publicText + t.internalText), [], t.id);
    }
  });

  it('words the next update and the component list', () => {
    assert.equal(nextUpdateText(T0, 30), 'in 30 minutes (by 12:30 UTC)');
    assert.equal(nextUpdateText(T0, undefined), 'when we know more');
    assert.equal(componentList([]), 'our services');
    assert.equal(componentList(['API', 'Web', 'Mail']), 'API, Web and Mail');
  });

  it('places maintenance in its phase', () => {
    const m = { startsAt: T0, endsAt: T0 + HOUR, cancelledAt: null };
    assert.equal(maintenancePhase(m, T0 - 1), 'scheduled');
    assert.equal(maintenancePhase(m, T0), 'in_progress');
    assert.equal(maintenancePhase(m, T0 + HOUR), 'completed');
    assert.equal(maintenancePhase({ ...m, cancelledAt: T0 - 5 }, T0), 'cancelled');
  });

  it('builds 90 UTC days, marking every day an incident was open with its worst impact', () => {
    const days = historyDays(
      [
        {
          id: 'x',
          publishedAt: T0 - 2 * DAY,
          resolvedAt: T0 - DAY,
          components: [{ componentId: 'a', status: 'major_outage' }],
        },
        {
          id: 'y',
          publishedAt: T0 - HOUR,
          resolvedAt: null,
          components: [{ componentId: 'a', status: 'degraded_performance' }],
        },
      ],
      T0,
    );
    assert.equal(days.length, 90);
    assert.equal(days.at(-1)!.date, '2026-11-24');
    assert.deepEqual(
      days.slice(-3).map((d) => [d.status, d.incidentIds]),
      [
        ['major_outage', ['x']],
        ['major_outage', ['x']],
        ['degraded_performance', ['y']],
      ],
    );
    assert.equal(days[0]!.status, 'operational');
  });

  it('says what the bar shows: no incidents only when no day had one (issue 14: the last day was orange)', () => {
    const open = {
      id: 'y',
      publishedAt: T0 - HOUR,
      resolvedAt: null,
      components: [{ componentId: 'a', status: 'partial_outage' as const }],
    };
    assert.equal(historySummary(historyDays([], T0), 0), 'No incidents in the last 90 days.');
    const today = historyDays([open], T0);
    assert.equal(today.at(-1)!.status, 'partial_outage');
    // Nothing resolved to list yet: the sentence still counts the day and points at the open incident.
    assert.equal(
      historySummary(today, 0),
      'Incidents on 1 of the last 90 days. The incident still open is under Current incidents above.',
    );
    const past = historyDays([{ ...open, id: 'x', publishedAt: T0 - 3 * DAY, resolvedAt: T0 - 2 * DAY }], T0);
    assert.equal(historySummary(past, 1), 'Incidents on 2 of the last 90 days.');
    // An incident that names no component still counts its days.
    const bare = historyDays([{ ...open, components: [] }], T0);
    assert.equal(bare.at(-1)!.status, 'operational');
    assert.match(historySummary(bare, 0), /^Incidents on 1 of the last 90 days/);
  });

  it('accepts only the link token for that purpose, subscriber and secret', () => {
    const t = linkToken('secret', 'unsubscribe', 'sts_1');
    assert.ok(isValidLinkToken('secret', 'unsubscribe', 'sts_1', t));
    assert.ok(!isValidLinkToken('secret', 'confirm', 'sts_1', t));
    assert.ok(!isValidLinkToken('secret', 'unsubscribe', 'sts_2', t));
    assert.ok(!isValidLinkToken('other', 'unsubscribe', 'sts_1', t));
    assert.ok(!isValidLinkToken('secret', 'unsubscribe', 'sts_1', 'short'));
  });

  it('escapes every piece of user text in HTML', () => {
    assert.equal(
      escapeHtml(`<img src=x onerror="a('b')">&`),
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
    const html = renderMessagePage('<b>t</b>', 'm"', { action: '/x?a=1&b="2"', button: '<i>' });
    assert.ok(!html.includes('<b>t</b>') && !html.includes('<i>'));
    assert.ok(html.includes('action="/x?a=1&amp;b=&quot;2&quot;"'));
  });

  it('refuses private webhook hosts for public subscriptions', () => {
    for (const u of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://10.1.2.3/',
      'http://192.168.0.1/',
      'http://172.20.0.1/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[fd00::1]/',
      'not a url',
    ]) {
      assert.ok(isPrivateWebhookHost(u), u);
    }
    for (const u of ['https://hooks.example.com/x', 'http://8.8.8.8/', 'http://172.32.0.1/']) {
      assert.ok(!isPrivateWebhookHost(u), u);
    }
  });

  it('judges a host name by every address it resolves to', async () => {
    const dns: Record<string, string[]> = {
      'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'sneaky.example.com': ['93.184.215.14', '10.0.0.7'],
      'metadata.example.com': ['169.254.169.254'],
      'v6.example.com': ['fd12::1'],
    };
    const lookup = (host: string) =>
      dns[host] ? Promise.resolve(dns[host].map((address) => ({ address }))) : Promise.reject(new Error('ENOTFOUND'));
    assert.equal(await resolvesToPrivateHost('https://hooks.example.com/x', lookup), false);
    assert.equal(await resolvesToPrivateHost('http://8.8.8.8/', lookup), false, 'a public literal needs no lookup');
    for (const u of [
      'https://sneaky.example.com/x',
      'http://metadata.example.com/latest',
      'https://v6.example.com/',
      'https://nowhere.example.com/',
      'http://127.0.0.1/',
    ]) {
      assert.equal(await resolvesToPrivateHost(u, lookup), true, u);
    }
  });
});

describe('followsUpdate', () => {
  it('sends an update to subscribers of every component, of an affected one, or when it names none', () => {
    assert.equal(followsUpdate([], ['api']), true, 'follows everything');
    assert.equal(followsUpdate(['web'], ['api', 'web']), true);
    assert.equal(followsUpdate(['web'], ['api']), false);
    assert.equal(followsUpdate(['web'], []), true, 'a general notice goes to everyone');
  });
});
