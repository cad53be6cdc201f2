/**
 * `muster contact-method …`: your (or, for administrators, someone's) contact methods through the HTTP API: list,
 * add, remove, send a test, verify SMS and voice numbers.
 */
import { Option, type Command } from 'commander';
import type { MusterClient } from './client.js';
import type { CliDeps } from './deps.js';
import { output, printJson, printTable, say } from './output.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface ContactJson extends Row {
  id: string;
  kind: string;
  label: string;
  address: string;
  isVerified: boolean;
  needsVerification: boolean;
}

/** The user the command is about: --user (email or id), else the token's own user. */
async function userOf(c: MusterClient, ref: string | undefined): Promise<string> {
  if (ref) return c.userId(ref);
  return (await c.get<{ id: string }>('/api/me')).id;
}

const withUser = (cmd: Command): Command =>
  cmd.option('--user <user>', "whose (email or id; default: yours; others' for administrators)");

export function registerContactCommands(program: Command, { client, json }: CliDeps): void {
  const contacts = program
    .command('contact-method')
    .aliases(['contact-methods', 'contact'])
    .description('contact methods: where pages reach you (email, webhook, ntfy, Slack, SMS, voice)');

  withUser(contacts.command('list')).action(async (o: { user?: string }) => {
    const c = client();
    const userId = await userOf(c, o.user);
    const r = await c.get<{ contactMethods: ContactJson[] }>(`/api/users/${enc(userId)}/contact-methods`);
    if (json()) return printJson(r.contactMethods);
    printTable(
      r.contactMethods.map((m) => ({
        ...m,
        verified: m.needsVerification ? (m.isVerified ? 'yes' : 'no') : '-',
      })),
      ['id', 'kind', 'label', 'address', 'verified'],
    );
  });

  withUser(
    contacts
      .command('add')
      .description('add a contact method (webhooks: the signing secret is printed once)')
      .addOption(
        new Option('--kind <kind>')
          .choices(['email', 'webhook', 'ntfy', 'slack', 'sms', 'voice'])
          .makeOptionMandatory(),
      )
      .requiredOption('--address <address>', 'email, URL, ntfy topic, Slack member id or E.164 number')
      .option('--label <label>')
      .option('--server-url <url>', 'ntfy: the server (default: the configured one)')
      .option('--access-token <token>', 'ntfy: an access token (tk_…)'),
  ).action(
    async (o: {
      user?: string;
      kind: string;
      address: string;
      label?: string;
      serverUrl?: string;
      accessToken?: string;
    }) => {
      const c = client();
      const userId = await userOf(c, o.user);
      const r = await c.post<{ contactMethod: ContactJson; secret?: string }>(
        `/api/users/${enc(userId)}/contact-methods`,
        {
          kind: o.kind,
          address: o.address,
          ...(o.label ? { label: o.label } : {}),
          ...(o.serverUrl ? { serverUrl: o.serverUrl } : {}),
          ...(o.accessToken ? { accessToken: o.accessToken } : {}),
        },
      );
      output(json(), r, () => {
        say(`added ${r.contactMethod.kind} ${r.contactMethod.address} (${r.contactMethod.id})`);
        if (r.secret) process.stderr.write(`signing secret (shown once, store it now): ${r.secret}\n`);
        if (r.contactMethod.needsVerification && !r.contactMethod.isVerified) {
          say(`verify it before it pages: muster contact-method verify ${r.contactMethod.id}`);
        }
      });
    },
  );

  withUser(
    contacts.command('remove').alias('delete').argument('<id>').description('remove a contact method and its rules'),
  ).action(async (id: string, o: { user?: string }) => {
    const c = client();
    const userId = await userOf(c, o.user);
    await c.delete(`/api/users/${enc(userId)}/contact-methods/${enc(id)}`);
    output(json(), { removed: id }, () => say(`removed ${id}`));
  });

  withUser(
    contacts.command('test').argument('<id>').description('send a test notification now (see it in the delivery log)'),
  ).action(async (id: string, o: { user?: string }) => {
    const c = client();
    const userId = await userOf(c, o.user);
    const r = await c.post<{ deliveryId: string }>(`/api/users/${enc(userId)}/contact-methods/${enc(id)}/test`);
    output(json(), r, () => say(`test sent: delivery ${r.deliveryId}`));
  });

  withUser(
    contacts
      .command('verify')
      .argument('<id>')
      .description('SMS and voice: send a code (without --code), then confirm it (with --code)')
      .option('--code <code>', 'the code that was sent'),
  ).action(async (id: string, o: { user?: string; code?: string }) => {
    const c = client();
    const userId = await userOf(c, o.user);
    const base = `/api/users/${enc(userId)}/contact-methods/${enc(id)}/verification`;
    if (o.code) {
      const r = await c.post<ContactJson>(`${base}/confirm`, { code: o.code });
      output(json(), r, () => say(`${r.address} is verified`));
      return;
    }
    const r = await c.post<{ deliveryId: string; expiresAt: string }>(base);
    output(json(), r, () =>
      say(`code sent (valid until ${r.expiresAt}): muster contact-method verify ${id} --code CODE`),
    );
  });
}
