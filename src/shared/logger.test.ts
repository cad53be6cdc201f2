import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redactUrl } from './logger.js';

function capture(): { log: ReturnType<typeof createLogger>; out: () => string } {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination: sink }), out: () => out };
}

describe('redactUrl', () => {
  it('hides one-click action tokens, intake keys, and tokens in the query or fragment', () => {
    const cases: [string, string][] = [
      ['/a/ALT0KEN.sig-1', '/a/[redacted]'],
      ['/a/ALT0KEN?confirm=1', '/a/[redacted]?confirm=1'],
      ['https://muster.example/a/ALT0KEN', 'https://muster.example/a/[redacted]'],
      ['/integrations/alertmanager/KEY123?x=1', '/integrations/alertmanager/[redacted]?x=1'],
      ['/integrations/generic/KEY123', '/integrations/generic/[redacted]'],
      ['/api/users/usr_1/feed.ics?token=FEED', '/api/users/usr_1/feed.ics?token=[redacted]'],
      ['/status/subscribers/sub_1/confirm?token=CONF&x=1', '/status/subscribers/sub_1/confirm?token=[redacted]&x=1'],
      ['https://muster.example/signin/link#token=SIGNIN', 'https://muster.example/signin/link#token=[redacted]'],
      ['postgres://muster:pw@db/muster', 'postgres://muster:[redacted]@db/muster'],
    ];
    for (const [url, want] of cases) assert.equal(redactUrl(url), want, url);
    // Paths that merely contain an "a" segment, and the PagerDuty path, are left alone.
    for (const url of ['/api/alerts/alr_1', '/assets/a/index.js', '/integrations/pagerduty/v2/enqueue', '/a']) {
      assert.equal(redactUrl(url), url);
    }
  });
});

describe('createLogger', () => {
  it('logs every url field redacted, keeping the rest of the line', () => {
    const { log, out } = capture();
    log.info({ method: 'GET', url: '/a/SECRET-ACTION-TOKEN', status: 303 }, 'request');
    log.info({ req: { url: '/api/schedules/s/feed.ics?token=SECRET-FEED' } }, 'request');
    log.warn({ delivery: { url: 'https://hooks.example/x?token=SECRET-HOOK' } }, 'webhook failed');
    const text = out();
    assert.doesNotMatch(text, /SECRET-/);
    assert.match(text, /"url":"\/a\/\[redacted\]"/);
    assert.match(text, /feed\.ics\?token=\[redacted\]/);
    assert.match(text, /"status":303/);
  });
});
