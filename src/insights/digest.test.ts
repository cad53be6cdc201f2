/**
 * The weekly digest's pure parts: when the next run is (Monday 08:00 in the team's zone, across DST changes and in a
 * zone ahead of UTC) and what the message says (calm wording, every figure, links into /insights).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestMessage, nextDigestAt, renderDigest, type DigestFigures } from './digest.js';

describe('weekly digest', () => {
  it('runs on the next Monday at 08:00 local time', () => {
    // Wednesday 25 March 2026 in London (GMT): Monday 30 March 08:00 BST, after the clocks went forward.
    assert.equal(nextDigestAt(Date.UTC(2026, 2, 25, 12), 'Europe/London'), Date.UTC(2026, 2, 30, 7));
    // Monday 30 March 07:59 BST: the same morning; at 08:00 exactly: the Monday after.
    assert.equal(nextDigestAt(Date.UTC(2026, 2, 30, 6, 59), 'Europe/London'), Date.UTC(2026, 2, 30, 7));
    assert.equal(nextDigestAt(Date.UTC(2026, 2, 30, 7), 'Europe/London'), Date.UTC(2026, 3, 6, 7));
    // Auckland (UTC+13 in March): Monday 08:00 there is Sunday 19:00 UTC.
    assert.equal(nextDigestAt(Date.UTC(2026, 2, 25), 'Pacific/Auckland'), Date.UTC(2026, 2, 29, 19));
    assert.equal(nextDigestAt(Date.UTC(2026, 2, 23, 8), 'UTC'), Date.UTC(2026, 2, 30, 8));
  });

  const figures: DigestFigures = {
    teamId: 'team_1',
    teamName: 'Shop',
    timeZone: 'Europe/London',
    from: Date.UTC(2026, 2, 23),
    to: Date.UTC(2026, 2, 29, 23),
    incidents: 3,
    bySeverity: [
      { severity: 'P1', incidents: 1 },
      { severity: 'P2', incidents: 2 },
      { severity: 'P3', incidents: 0 },
      { severity: 'P4', incidents: 0 },
    ],
    mttaMedian: { week: 300, previous4Weeks: 480 },
    mttrMedian: { week: 4200, previous4Weeks: null },
    pages: 7,
    pagesOutsideWorkingHours: 2,
    postmortemsOverdue: 1,
    actionItemsOverdue: 0,
    noisiestRule: { ruleKey: 'DiskFull', noisy: 2, classified: 3 },
  };

  it('says each figure plainly, with links into /insights', () => {
    const m = digestMessage(figures, 'https://muster.example');
    assert.equal(m.subject, 'Weekly insights for Shop: 2026-03-23 to 2026-03-29');
    assert.equal(m.url, 'https://muster.example/insights?teamId=team_1');
    const lines = m.body.split('\n');
    assert.deepEqual(lines.slice(0, 10), [
      'Shop, the week of 2026-03-23 to 2026-03-29 (Europe/London).',
      '',
      'Incidents: 3 (P1 1, P2 2)',
      'Time to acknowledge, median: 5 min (the 4 weeks before: 8 min)',
      'Time to resolve, median: 1 h 10 min (the 4 weeks before: —)',
      'Pages outside working hours: 2 of 7',
      'Post-mortems past their due date: 1',
      'Action items past their due date: 0',
      'Noisiest alert rule: DiskFull, 2 of 3 judged alerts not actionable or false positives',
      '',
    ]);
    assert.ok(lines.includes('Alert quality: https://muster.example/insights/alert-quality?teamId=team_1'));
    assert.doesNotMatch(m.body, /urgent|alarm|critical|warning|!/i);
    const quiet = digestMessage({ ...figures, incidents: 0, bySeverity: [], noisiestRule: null }, '');
    assert.match(quiet.body, /^Incidents: 0$/m);
    assert.match(quiet.body, /^Noisiest alert rule: none: no alert was judged noisy$/m);
  });

  it('previews as the email channel renders it: text with the link, escaped HTML', () => {
    const r = renderDigest(digestMessage({ ...figures, teamName: 'Shop <&>' }, 'https://muster.example'));
    assert.match(r.text, /\n\nDetails: https:\/\/muster\.example\/insights\?teamId=team_1$/);
    assert.match(r.html, /Shop &lt;&amp;&gt;, the week of/);
    assert.doesNotMatch(r.html, /Shop <&>/);
  });
});
