import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskAddress } from './mask.js';

describe('maskAddress', () => {
  it('keeps an email address’s first letter and domain', () => {
    assert.equal(maskAddress('email', 'ana.lopez@example.com'), 'a•••@example.com');
  });
  it('keeps the last four digits of a phone number', () => {
    assert.equal(maskAddress('sms', '+447700900123'), '•••• 0123');
    assert.equal(maskAddress('voice', '+44 7700 900 456'), '•••• 0456');
  });
  it('keeps only the host of a URL (webhooks, push endpoints): paths carry secrets', () => {
    assert.equal(maskAddress('webhook', 'https://hooks.example.com/T0/B1/secret?x=1'), 'hooks.example.com/…');
    assert.equal(maskAddress('webpush', 'https://push.example.net/wpush/v2/abc'), 'push.example.net/…');
  });
  it('hides most of a topic or user id', () => {
    assert.equal(maskAddress('ntfy', 'oncall-ana-7f3k'), 'on•••k');
    assert.equal(maskAddress('slack', 'U123'), '••••');
    assert.equal(maskAddress('email', ''), '');
  });
});
