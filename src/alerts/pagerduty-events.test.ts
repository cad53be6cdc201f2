import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePagerDutyChange, parsePagerDutyEvent } from './pagerduty-events.js';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';

describe('parsePagerDutyEvent', () => {
  it("reads PagerDuty's documented trigger example", () => {
    const r = parsePagerDutyEvent({
      payload: {
        summary: 'DISK at 99% on machine prod-datapipe03.example.com',
        timestamp: '2015-07-17T08:42:58.315+0000',
        severity: 'critical',
        source: 'prod-datapipe03.example.com',
        component: 'mysql',
        group: 'prod-datapipe',
        class: 'disk',
        custom_details: { 'free space': '1%', 'ping time': '1500ms', 'load avg': 0.75 },
      },
      routing_key: KEY,
      dedup_key: 'srv01/mysql',
      event_action: 'trigger',
      client: 'Sample Monitoring Service',
      client_url: 'https://monitoring.service.com',
      links: [{ href: 'http://pagerduty.example.com', text: 'An example link.' }],
      images: [
        { src: 'https://chart.example.com/x.png', href: 'https://google.com', alt: 'An example link with an image' },
      ],
    });
    assert.ok('event' in r);
    const { event } = r;
    assert.equal(event.dedupKey, 'srv01/mysql');
    assert.equal(event.alert!.severity, 'critical');
    assert.deepEqual(event.alert!.labels, {
      source: 'prod-datapipe03.example.com',
      component: 'mysql',
      group: 'prod-datapipe',
      class: 'disk',
    });
    assert.equal(event.alert!.annotations['load avg'], '0.75');
    assert.deepEqual(
      event.alert!.links.map((l) => l.kind),
      ['link', 'image', 'source'],
    );
    assert.equal(event.alert!.groupName, 'disk');
  });

  it('names a link by its text, so a link called "Runbook" is the runbook', () => {
    const r = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 'Checkout 5xx above 5%', source: 'api-1', severity: 'critical' },
      links: [
        { href: 'https://wiki.example.com/runbooks/checkout-5xx', text: 'Runbook' },
        { href: 'https://grafana.example.com/d/checkout', text: 'Grafana dashboard' },
        { href: 'https://example.com/elsewhere', text: 'Image of the source' },
        { href: 'https://example.com/no-text' },
      ],
    });
    assert.ok('event' in r);
    assert.deepEqual(
      r.event.alert!.links.map((l) => [l.kind, l.title]),
      [
        ['runbook', 'Runbook'],
        ['dashboard', 'Grafana dashboard'],
        ['link', 'Image of the source'],
        ['link', 'Link'],
      ],
    );
  });

  it('accepts acknowledge and resolve without a payload', () => {
    const r = parsePagerDutyEvent({ routing_key: KEY, dedup_key: 'k', event_action: 'resolve' });
    assert.ok('event' in r && r.event.alert === null);
  });

  it('lists every problem in PagerDuty wording', () => {
    const r = parsePagerDutyEvent({ event_action: 'acknowledge', dedup_key: 'x'.repeat(256) });
    assert.ok('errors' in r);
    assert.deepEqual(r.errors, [
      "'routing_key' is missing or blank",
      "'dedup_key' is too long (maximum is 255 characters)",
    ]);
    const t = parsePagerDutyEvent({ routing_key: KEY, event_action: 'trigger', payload: {} });
    assert.ok('errors' in t);
    assert.deepEqual(t.errors, [
      "'payload.summary' is missing or blank",
      "'payload.source' is missing or blank",
      "'payload.severity' is missing or blank",
    ]);
  });

  it('refuses a trigger without payload.severity, naming the field, as PagerDuty does', () => {
    const r = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 's', source: 'x' },
    });
    assert.ok('errors' in r);
    assert.deepEqual(r.errors, ["'payload.severity' is missing or blank"]);
  });

  it("keeps payload.timestamp as the alert's start, without making it the alert's identity", () => {
    const r = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 's', source: 'x', severity: 'info', timestamp: '2015-07-17T08:42:58.315+0000' },
    });
    assert.ok('event' in r);
    assert.equal(r.event.alert!.startsAt, Date.parse('2015-07-17T08:42:58.315Z'));
    assert.equal(r.event.alert!.startsAtIsInstance, false);
    const none = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 's', source: 'x', severity: 'info' },
    });
    assert.ok('event' in none && none.event.alert!.startsAt === null);
  });

  it('maps out-of-enum or empty severities instead of refusing them', () => {
    const r = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 's', source: 'x', severity: '' },
    });
    assert.ok('event' in r && r.event.alert!.severity === 'error');
  });

  it('truncates summaries over 1024 characters', () => {
    const r = parsePagerDutyEvent({
      routing_key: KEY,
      event_action: 'trigger',
      payload: { summary: 'x'.repeat(2000), source: 'x', severity: 'info' },
    });
    assert.ok('event' in r && r.event.alert!.summary.length === 1024);
  });
});

describe('parsePagerDutyChange', () => {
  it("reads PagerDuty's documented change event", () => {
    const r = parsePagerDutyChange({
      routing_key: '737ea619db564d41bd9824063e1f6b08',
      payload: {
        summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
        timestamp: '2015-07-17T08:42:58.315+0000',
        source: 'prod-build-agent-i-0b148d1040d565540',
        custom_details: { build_state: 'passed', build_number: '220', run_time: '1236s' },
      },
      links: [{ href: 'https://buildpipeline.com/pagerduty/deployment/builds/220', text: 'View in Build Pipeline' }],
    });
    assert.ok('event' in r);
    assert.equal(r.event.at, Date.UTC(2015, 6, 17, 8, 42, 58, 315));
    assert.equal(r.event.links[0]!.title, 'View in Build Pipeline');
  });
});
