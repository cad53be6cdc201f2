/**
 * Twilio REST API stand-in (https://www.twilio.com/docs/usage/api): form-encoded POSTs to
 * /2010-04-01/Accounts/{AccountSid}/Messages.json and /Calls.json with HTTP basic auth (SID:token). Answers 201 with
 * the created resource, 401 `{ code: 20003 }` for bad credentials and 400 `{ code: 21211 }` for an invalid 'To'.
 */
import { StandIn, type RecordedRequest, type Reply } from './base.js';

export interface TwilioRecord {
  kind: 'sms' | 'call';
  sid: string;
  to: string;
  from: string;
  body?: string;
  twiml?: string;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

export class TwilioStandIn extends StandIn {
  readonly sent: TwilioRecord[] = [];
  /** Numbers Twilio would refuse as invalid (error 21211). */
  readonly invalidNumbers = new Set<string>();
  private seq = 0;

  constructor(
    readonly accountSid = 'AC00000000000000000000000000000001',
    readonly authToken = 'twilio-test-auth-token',
  ) {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(req.path);
    if (req.method !== 'POST' || !m) return { status: 404, body: { code: 20404, message: 'Not found', status: 404 } };
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (m[1] !== this.accountSid || req.headers.authorization !== expected) {
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return { status: 400, body: { code: 20001, message: 'Expected a form-encoded body', status: 400 } };
    }
    const form = Object.fromEntries(new URLSearchParams(req.body));
    const to = form.To ?? '';
    if (!E164.test(to) || this.invalidNumbers.has(to)) {
      return {
        status: 400,
        body: { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 },
      };
    }
    const isSms = m[2] === 'Messages';
    if (isSms ? !form.Body : !form.Twiml && !form.Url) {
      return { status: 400, body: { code: 21602, message: 'Message body is required.', status: 400 } };
    }
    const sid = `${isSms ? 'SM' : 'CA'}${String(++this.seq).padStart(32, '0')}`;
    const rec: TwilioRecord = { kind: isSms ? 'sms' : 'call', sid, to, from: form.From ?? '' };
    if (form.Body) rec.body = form.Body;
    if (form.Twiml) rec.twiml = form.Twiml;
    this.sent.push(rec);
    return { status: 201, body: { sid, account_sid: this.accountSid, to, from: rec.from, status: 'queued' } };
  }
}
