/**
 * A real SMTP server (the smtp-server package) that keeps every message it accepts, for tests that send email.
 * `rejectRecipients` answers RCPT TO with 550 (permanent); `failNext(n)` answers the next n messages with 451
 * (transient). A small MIME reader returns the decoded subject and text part so tests can assert on links.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, string>;
}

function decodeBody(body: string, encoding: string): string {
  const enc = encoding.toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function splitPart(part: string): { headers: Map<string, string>; body: string } {
  const m = /\r?\n\r?\n/.exec(part);
  if (!m) return { headers: parseHeaders(part), body: '' };
  return { headers: parseHeaders(part.slice(0, m.index)), body: part.slice(m.index + m[0].length) };
}

/** Enough MIME for nodemailer's output: a single part or multipart/alternative with text and html. */
export function parseMail(raw: string): Pick<ReceivedMail, 'subject' | 'text' | 'html' | 'headers'> {
  const { headers, body } = splitPart(raw);
  const out = { subject: headers.get('subject') ?? '', text: '', html: '', headers };
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1).map(splitPart) : [{ headers, body }];
  for (const p of parts) {
    const type = p.headers.get('content-type') ?? 'text/plain';
    const decoded = decodeBody(p.body, p.headers.get('content-transfer-encoding') ?? '7bit');
    if (type.startsWith('text/plain')) out.text = decoded;
    else if (type.startsWith('text/html')) out.html = decoded;
  }
  return out;
}

export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  readonly rejectRecipients = new Set<string>();
  private failures = 0;
  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, cb) => {
        if (this.rejectRecipients.has(address.address)) {
          const err = Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.failures > 0) {
            this.failures--;
            return cb(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const env = session.envelope;
          this.messages.push({
            from: env.mailFrom ? env.mailFrom.address : '',
            to: env.rcptTo.map((r) => r.address),
            raw,
            ...parseMail(raw),
          });
          cb();
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Answer the next `n` messages with 451 (a transient SMTP failure). */
  failNext(n = 1): void {
    this.failures += n;
  }

  async waitFor(predicate: (messages: ReceivedMail[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (Date.now() > deadline) throw new Error(`SMTP sink: condition not met in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
