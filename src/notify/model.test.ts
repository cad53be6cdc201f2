import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransientStatus } from './channel.js';
import { classifySmtpError } from './email.js';
import { signClaim, verifyClaim } from './links.js';
import { contactMethodProblems, renderSms, ruleProblems, type OutboundMessage } from './model.js';
import { sayTwiml } from './sms.js';
import { signWebhook } from './webhook.js';

const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  subject: 'Disk full',
  body: 'db-1 at 95%',
  deliveryId: 'dlv_1',
  urgency: 'high',
  alertId: 'alr_1',
  links: { acknowledge: 'https://m.example/a/ack', resolve: 'https://m.example/a/res' },
  ...over,
});

describe('notify model', () => {
  it('accepts each kind’s address form and names the field otherwise', () => {
    assert.deepEqual(contactMethodProblems({ kind: 'sms', address: '+14155550100' }), []);
    assert.deepEqual(contactMethodProblems({ kind: 'slack', address: 'U024BE7LH' }), []);
    assert.deepEqual(contactMethodProblems({ kind: 'webhook', address: 'https://x.test/h' }), []);
    assert.equal(contactMethodProblems({ kind: 'webhook', address: 'ftp://x' })[0]?.field, 'address');
    assert.equal(
      contactMethodProblems({ kind: 'email', address: 'a@b.c', serverUrl: 'https://n' })[0]?.field,
      'serverUrl',
    );
    assert.equal(ruleProblems({ urgency: 'medium', delayMinutes: -1 }).length, 2);
  });

  it('treats 5xx, 429 and 408 as transient and other 4xx as permanent', () => {
    assert.deepEqual([500, 503, 429, 408, 400, 401, 404, 422].map(isTransientStatus), [
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('classifies SMTP replies by their first digit (RFC 5321 §4.2.1) and connection errors as transient', () => {
    assert.equal(classifySmtpError({ responseCode: 451, message: 'try later' }).isPermanent, false);
    assert.equal(classifySmtpError({ responseCode: 550, message: 'no such user' }).isPermanent, true);
    assert.equal(classifySmtpError({ code: 'ECONNECTION', message: 'refused' }).isPermanent, false);
    assert.equal(classifySmtpError({ code: 'EENVELOPE', message: 'bad rcpt' }).isPermanent, true);
  });

  it('signs action links so that any change to payload or signature is detected', () => {
    const claim = { linkId: 'lnk_1', action: 'acknowledge' as const, alertId: 'alr_1', userId: 'usr_1', expiresAt: 5 };
    const token = signClaim('secret-a', claim);
    assert.deepEqual(verifyClaim('secret-a', token), claim);
    assert.throws(() => verifyClaim('secret-b', token), { code: 'action_link_invalid' });
    const [v, p, m] = token.split('.');
    assert.throws(() => verifyClaim('secret-a', `${v}.${p}x.${m}`), { code: 'action_link_invalid' });
    assert.throws(() => verifyClaim('secret-a', 'nope'), { code: 'action_link_malformed' });
  });

  it('signs webhooks over timestamp and body', () => {
    assert.match(signWebhook('s', 1700000000, '{}'), /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.notEqual(signWebhook('s', 1700000000, '{}'), signWebhook('s', 1700000001, '{}'));
  });

  it('keeps SMS short with the acknowledge link intact, and escapes TwiML', () => {
    const long = renderSms(msg({ subject: 'x'.repeat(1000) }), 160);
    assert.ok(long.length <= 160);
    assert.ok(long.endsWith('Ack: https://m.example/a/ack'));
    assert.match(sayTwiml('a < b & "c"'), /a &lt; b &amp; &quot;c&quot;/);
  });
});
