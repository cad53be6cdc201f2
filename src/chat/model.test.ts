import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { channelName, checkSlackSignature, renderEvent } from './model.js';

const sign = (secret: string, ts: string, body: string) =>
  `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;

describe('Slack request signatures', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather';
  const now = 1531420618_000;

  it('accepts a v0 HMAC-SHA256 of v0:{timestamp}:{body}', () => {
    const ts = '1531420618';
    assert.equal(
      checkSlackSignature({ secret, timestamp: ts, signature: sign(secret, ts, body), rawBody: body, now }),
      null,
    );
  });

  it('refuses a changed body, another secret, a missing header', () => {
    const ts = '1531420618';
    const sig = sign(secret, ts, body);
    assert.equal(
      checkSlackSignature({ secret, timestamp: ts, signature: sig, rawBody: `${body}&x=1`, now }),
      'mismatch',
    );
    assert.equal(
      checkSlackSignature({ secret: 'other', timestamp: ts, signature: sig, rawBody: body, now }),
      'mismatch',
    );
    assert.equal(checkSlackSignature({ secret, timestamp: undefined, signature: sig, rawBody: body, now }), 'missing');
    assert.equal(checkSlackSignature({ secret, timestamp: ts, signature: undefined, rawBody: body, now }), 'missing');
  });

  it('refuses timestamps more than five minutes away, either way', () => {
    for (const offset of [-301, 301]) {
      const ts = String(now / 1000 + offset);
      const r = checkSlackSignature({ secret, timestamp: ts, signature: sign(secret, ts, body), rawBody: body, now });
      assert.equal(r, 'stale', String(offset));
    }
    const ts = String(now / 1000 - 299);
    assert.equal(
      checkSlackSignature({ secret, timestamp: ts, signature: sign(secret, ts, body), rawBody: body, now }),
      null,
    );
  });
});

describe('channel names and mirrored events', () => {
  it('makes a Slack-valid name from the number and the title', () => {
    assert.equal(channelName(12, 'Checkout down: DNS misconfiguration!'), 'inc-12-checkout-down-dns-misconfiguration');
    assert.equal(channelName(3, '🔥🔥'), 'inc-3');
    const long = channelName(7, 'x'.repeat(200));
    assert.ok(long.length <= 80 && /^[a-z0-9_-]+$/.test(long));
  });

  it('renders the kinds that matter, escapes mrkdwn, and never echoes Slack-born notes', () => {
    const ev = (kind: string, details: Record<string, unknown> = {}) => ({
      seq: 1,
      kind,
      actorLabel: 'Ida',
      body: 'a <b> & c',
      details,
    });
    assert.equal(renderEvent(ev('note')), ':memo: *Ida*: a &lt;b&gt; &amp; c');
    assert.match(renderEvent(ev('status_update'))!, /Status update/);
    assert.match(renderEvent(ev('severity_changed'))!, /Severity/);
    assert.equal(renderEvent(ev('note', { source: 'slack' })), null);
    assert.equal(renderEvent(ev('checklist_ticked')), null);
    assert.equal(renderEvent(ev('joined')), null);
  });

  it("mirrors the room's findings, with owner and evidence, and changes made during the incident", () => {
    const ev = (kind: string, details: Record<string, unknown> = {}) => ({
      seq: 1,
      kind,
      actorLabel: 'Ida',
      body: 'pool <exhausted>',
      details,
    });
    assert.equal(
      renderEvent(ev('hypothesis', { ownerName: 'Bo', evidenceUrl: 'https://grafana.example/d/1?a=1&b=2' })),
      ':mag: *Hypothesis* from Ida: pool &lt;exhausted&gt; (on it: Bo)\nEvidence: https://grafana.example/d/1?a=1&amp;b=2',
    );
    assert.equal(
      renderEvent(ev('finding', { evidenceUrl: null })),
      ':bulb: *Finding* from Ida: pool &lt;exhausted&gt;',
    );
    assert.match(renderEvent(ev('ruled_out'))!, /^:x: \*Ruled out\* by Ida/);
    assert.match(renderEvent(ev('decision'))!, /^:scales: \*Decision\* by Ida/);
    assert.equal(renderEvent(ev('change_during_incident')), ':warning: pool &lt;exhausted&gt;');
    assert.equal(renderEvent(ev('finding', { source: 'slack' })), null);
  });
});
