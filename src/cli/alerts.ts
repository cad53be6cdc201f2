/** Client commands for services, integration keys and alerts (the HTTP API, like every client command). */
import { Option, type Command } from 'commander';
import type { MusterClient } from './client.js';
import { output, printJson, printTable, withServiceSlugs, say, type ClientDeps } from './output.js';
import { readPages } from './pages.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface AlertDetail extends Row {
  id: string;
  status: string;
  severity: string;
  summary: string;
  dedupKey: string;
  serviceId: string;
  occurrenceCount: number;
  isMissingRunbook: boolean;
  context: { kind: string; title: string; url: string }[];
  events: Row[];
}

function printAlert(a: AlertDetail & { service: string }): void {
  say(`${a.id}  ${a.status}  ${a.severity}  ${a.summary}`);
  say(`service ${a.service}, dedup key ${a.dedupKey}, seen ${a.occurrenceCount}×`);
  if (a.isMissingRunbook) say('warning: paging alert without a runbook link');
  for (const c of a.context) say(`  ${c.title}: ${c.url}`);
  say('');
  printTable(a.events, ['at', 'kind', 'actorLabel']);
}

interface PagingView {
  state: string;
  firstPagedAt: string | null;
  snoozedUntil: string | null;
  hold: { reason: string; until: string | null; silence: { id: string; comment: string } | null } | null;
  run: {
    policyName: string;
    status: string;
    pagedLevel: number | null;
    nextLevel: number | null;
    nextStepAt: string | null;
    levelCount: number;
    nextTargets: { name: string; userNames: string[] }[];
  } | null;
  pages: Row[];
}

const HOLD_TEXT: Record<string, string> = {
  silenced: 'a silence matches it',
  maintenance: 'the service is in a maintenance window',
  flapping: 'it is flapping (damped)',
  low_urgency: 'low urgency, outside working hours',
};

function printPaging(v: PagingView): void {
  say(`state: ${v.state}`);
  if (v.hold) {
    const silence = v.hold.silence ? ` (silence ${v.hold.silence.id}: ${v.hold.silence.comment})` : '';
    say(`held until ${v.hold.until ?? 'further notice'}: ${HOLD_TEXT[v.hold.reason] ?? v.hold.reason}${silence}`);
  }
  if (v.snoozedUntil) say(`snoozed until ${v.snoozedUntil}`);
  if (v.run) {
    const r = v.run;
    say(
      `escalation: ${r.policyName || '(no policy)'}, ${r.status}` +
        (r.pagedLevel ? `, level ${r.pagedLevel} of ${r.levelCount} paged` : ''),
    );
    if (r.nextLevel && r.nextStepAt) {
      const who = r.nextTargets.map((x) =>
        x.userNames.length && x.userNames.join(', ') !== x.name ? `${x.name} (${x.userNames.join(', ')})` : x.name,
      );
      say(`next: level ${r.nextLevel} at ${r.nextStepAt}${who.length ? `: ${who.join(', ')}` : ''}`);
    }
  }
  say('');
  if (v.pages.length === 0) say('nobody paged yet');
  else
    printTable(
      v.pages.map((p) => ({ ...p, person: p.userName })),
      ['at', 'person', 'level', 'channel', 'address', 'status', 'attempts', 'lastError'],
    );
}

/** "30", "30m", "2h", "1d" → minutes. */
export function parseMinutes(text: string): number {
  const m = /^\s*(\d+)\s*(m|min|h|d)?\s*$/i.exec(text);
  if (!m) throw new Error(`--for: "${text}" is not a duration (e.g. 30m, 2h, 1d)`);
  const unit = (m[2] ?? 'm').toLowerCase();
  return Number(m[1]) * (unit === 'h' ? 60 : unit === 'd' ? 1440 : 1);
}

async function policyIdOf(c: MusterClient, policy: string): Promise<string> {
  const r = await c.get<{ policies: { id: string; name: string }[] }>('/api/escalation-policies');
  const found = r.policies.find((p) => p.id === policy) ?? r.policies.find((p) => p.name === policy);
  if (!found) throw new Error(`--policy: no escalation policy named ${policy}`);
  return found.id;
}

export function registerAlertCommands(program: Command, { client, json }: ClientDeps): void {
  // ---- services ----------------------------------------------------------------------------------------------
  const services = program.command('services').alias('service').description('the service catalog');
  services
    .command('list')
    .option('--team <team>', 'only services of this team (id)')
    .option('--q <text>', 'name or slug contains')
    .action(async (o: { team?: string; q?: string }) => {
      const q = new URLSearchParams();
      if (o.team) q.set('team', o.team);
      if (o.q) q.set('q', o.q);
      const r = await client().get<{ services: Row[] }>(`/api/services?${q.toString()}`);
      output(json(), r.services, () => printTable(r.services, ['id', 'slug', 'name', 'teamId', 'criticality']));
    });
  services
    .command('create')
    .requiredOption('--name <name>')
    .requiredOption('--team <team>', 'owning team (id or slug)')
    .option('--slug <slug>')
    .option('--description <text>')
    .addOption(new Option('--criticality <level>').choices(['critical', 'high', 'medium', 'low']))
    .option('--depends-on <ids>', 'comma-separated service ids')
    .action(
      async (o: {
        name: string;
        team: string;
        slug?: string;
        description?: string;
        criticality?: string;
        dependsOn?: string;
      }) => {
        const r = await client().post<{ id: string; slug: string }>('/api/services', {
          name: o.name,
          teamId: o.team,
          ...(o.slug ? { slug: o.slug } : {}),
          ...(o.description ? { description: o.description } : {}),
          ...(o.criticality ? { criticality: o.criticality } : {}),
          ...(o.dependsOn ? { dependsOn: o.dependsOn.split(',').map((s) => s.trim()) } : {}),
        });
        output(json(), r, () => say(`created ${r.slug} (${r.id})`));
      },
    );
  services
    .command('show')
    .argument('<service>', 'id or slug')
    .action(async (s: string) => {
      const svc = await client().get<
        Row & {
          name: string;
          id: string;
          dependsOn: string[];
          dependents: string[];
          pagingGroups?: { mode: string; labels: string[]; windowMinutes: number };
        }
      >(`/api/services/${enc(s)}`);
      const keys = await client().get<{ integrationKeys: Row[] }>(`/api/services/${enc(s)}/integration-keys`);
      output(json(), { ...svc, integrationKeys: keys.integrationKeys }, () => {
        say(`${svc.name} (${svc.id})  criticality ${String(svc.criticality)}  team ${String(svc.teamId)}`);
        say(`depends on: ${svc.dependsOn.join(', ') || '-'}; depended on by: ${svc.dependents.join(', ') || '-'}`);
        const g = svc.pagingGroups;
        if (g) {
          const how =
            g.mode === 'labels' ? ` (${g.labels.join(', ')})` : g.mode === 'window' ? ` (${g.windowMinutes} min)` : '';
          say(`paging groups: ${g.mode}${how}`);
        }
        printTable(keys.integrationKeys, ['id', 'source', 'name', 'prefix', 'lastUsedAt', 'revokedAt']);
      });
    });

  services
    .command('intake-errors')
    .description("alerts the service's monitors sent that intake could not apply, newest first")
    .argument('<service>', 'id or slug')
    .option('--limit <n>', 'how many (1-200)', '50')
    .option('--before <id>', "older than this error id (the previous page's nextBefore)")
    .option('--raw', 'print each raw item under its line')
    .action(async (s: string, o: { limit: string; before?: string; raw?: boolean }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.before) q.set('before', o.before);
      const r = await client().get<{ intakeErrors: Row[]; nextBefore: string | null }>(
        `/api/services/${enc(s)}/intake-errors?${q.toString()}`,
      );
      output(json(), r, () => {
        if (!o.raw) printTable(r.intakeErrors, ['receivedAt', 'source', 'itemIndex', 'reason']);
        else if (r.intakeErrors.length === 0) say('(none)');
        for (const e of o.raw ? r.intakeErrors : []) {
          say(`${String(e.receivedAt)}  ${String(e.source)}  ${String(e.reason)}`);
          say(`  ${String(e.rawItem)}${e.rawTruncated ? ' …(truncated)' : ''}`);
        }
        if (r.nextBefore) say(`more: --before ${r.nextBefore}`);
      });
    });

  // ---- integration keys --------------------------------------------------------------------------------------
  const keys = program.command('keys').alias('key').description("a service's integration keys");
  const printCreated = (r: { key: string; endpoint: string; usage: string; integrationKey: { id: string } }) =>
    output(json(), r, () => {
      say(r.key);
      process.stderr.write(`key ${r.integrationKey.id}: shown once, store it now.\n${r.endpoint}\n${r.usage}\n`);
    });
  keys
    .command('create')
    .requiredOption('--service <service>', 'id or slug')
    .addOption(
      new Option('--source <source>')
        .choices(['alertmanager', 'pagerduty', 'grafana', 'generic', 'change'])
        .makeOptionMandatory(),
    )
    .option('--name <name>')
    .action(async (o: { service: string; source: string; name?: string }) => {
      printCreated(
        await client().post(`/api/services/${enc(o.service)}/integration-keys`, {
          source: o.source,
          ...(o.name ? { name: o.name } : {}),
        }),
      );
    });
  keys
    .command('list')
    .requiredOption('--service <service>')
    .action(async (o: { service: string }) => {
      const r = await client().get<{ integrationKeys: Row[] }>(`/api/services/${enc(o.service)}/integration-keys`);
      output(json(), r.integrationKeys, () =>
        printTable(r.integrationKeys, ['id', 'source', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']),
      );
    });
  keys
    .command('rotate')
    .argument('<keyId>')
    .requiredOption('--service <service>')
    .action(async (keyId: string, o: { service: string }) => {
      printCreated(await client().post(`/api/services/${enc(o.service)}/integration-keys/${enc(keyId)}/rotate`));
    });
  keys
    .command('revoke')
    .argument('<keyId>')
    .requiredOption('--service <service>')
    .action(async (keyId: string, o: { service: string }) => {
      await client().delete(`/api/services/${enc(o.service)}/integration-keys/${enc(keyId)}`);
      output(json(), { revoked: keyId }, () => say(`revoked ${keyId}`));
    });

  // ---- alerts ------------------------------------------------------------------------------------------------
  const alerts = program.command('alerts').alias('alert').description('alerts');
  alerts
    .command('list')
    .addOption(new Option('--status <status>').choices(['open', 'triggered', 'acknowledged', 'resolved']))
    .option('--service <service>', 'id or slug')
    .addOption(new Option('--severity <severity>').choices(['critical', 'error', 'warning', 'info']))
    .option('--q <text>', 'summary or dedup key contains')
    .option('--limit <n>', 'at most this many', '50')
    .option('--cursor <cursor>', "the alerts after this cursor (the previous page's next)")
    .option('--all', 'every page, following the cursor (--limit alerts a page)')
    .action(async (o: Record<string, string | undefined>) => {
      const q = new URLSearchParams();
      for (const k of ['status', 'service', 'severity', 'q', 'limit']) if (o[k]) q.set(k, o[k]);
      const r = await readPages(
        async (cursor) => {
          if (cursor) q.set('cursor', cursor);
          const page = await client().get<{ alerts: Row[]; next: string | null }>(`/api/alerts?${q.toString()}`);
          return { rows: page.alerts, next: page.next };
        },
        { cursor: o.cursor, all: Boolean(o.all) },
      );
      if (json()) {
        printJson(r.rows);
        if (r.next) process.stderr.write(`more: --cursor ${r.next}\n`);
        return;
      }
      printTable(await withServiceSlugs(client(), r.rows), [
        'id',
        'status',
        'severity',
        'service',
        'summary',
        'occurrenceCount',
        'lastSeenAt',
      ]);
      if (r.next) say(`more: --cursor ${r.next}`);
    });
  alerts
    .command('show')
    .argument('<id>')
    .action(async (id: string) => {
      const a = await client().get<AlertDetail>(`/api/alerts/${enc(id)}`);
      if (json()) return printJson(a);
      printAlert((await withServiceSlugs(client(), [a]))[0]!);
    });

  alerts
    .command('paging')
    .description('who was paged for the alert, on which channel and how each page went; the escalation; holds')
    .argument('<id>')
    .action(async (id: string) => {
      const v = await client().get<PagingView>(`/api/alerts/${enc(id)}/paging`);
      output(json(), v, () => printPaging(v));
    });
  alerts
    .command('ack')
    .description('acknowledge an alert (as `muster ack`)')
    .argument('<id>')
    .action(async (id: string) => {
      const a = await client().post<AlertDetail>(`/api/alerts/${enc(id)}/acknowledge`);
      output(json(), a, () => say(`${a.id} ${a.status}`));
    });
  alerts
    .command('resolve')
    .description('resolve an alert (as `muster resolve`)')
    .argument('<id>')
    .action(async (id: string) => {
      const a = await client().post<AlertDetail>(`/api/alerts/${enc(id)}/resolve`);
      output(json(), a, () => say(`${a.id} ${a.status}`));
    });
  alerts
    .command('escalate')
    .description("page the alert's next escalation level now")
    .argument('<id>')
    .action(async (id: string) => {
      const v = await client().post<PagingView>(`/api/alerts/${enc(id)}/escalate`, {});
      output(json(), v, () => printPaging(v));
    });
  alerts
    .command('reassign')
    .description("end the alert's escalation and page someone else: a person (--user) or a policy (--policy)")
    .argument('<id>')
    .option('--user <user>', 'the person to page: email or id')
    .option('--policy <policy>', 'the escalation policy to page along: name or id')
    .action(async (id: string, o: { user?: string; policy?: string }) => {
      if (!o.user === !o.policy) throw new Error('give one of --user EMAIL or --policy NAME');
      const body = o.user
        ? { userId: await client().userId(o.user) }
        : { escalationPolicyId: await policyIdOf(client(), o.policy!) };
      const v = await client().post<PagingView>(`/api/alerts/${enc(id)}/reassign`, body);
      output(json(), v, () => printPaging(v));
    });
  alerts
    .command('snooze')
    .description('snooze an acknowledged alert: it pages again after this long unless resolved')
    .argument('<id>')
    .requiredOption('--for <duration>', 'how long: minutes, or with a unit (30m, 2h, 1d); at most 7 days')
    .action(async (id: string, o: { for: string }) => {
      const minutes = parseMinutes(o.for);
      const v = await client().post<PagingView>(`/api/alerts/${enc(id)}/snooze`, { minutes });
      output(json(), v, () => say(`${id} snoozed until ${v.snoozedUntil ?? '?'}`));
    });

  program
    .command('ack')
    .description('acknowledge an alert')
    .argument('<id>')
    .action(async (id: string) => {
      const a = await client().post<AlertDetail>(`/api/alerts/${enc(id)}/acknowledge`);
      output(json(), a, () => say(`${a.id} ${a.status}`));
    });
  program
    .command('resolve')
    .description('resolve an alert, optionally judging it for alert-quality reports')
    .argument('<id>')
    .addOption(new Option('--classification <c>').choices(['actionable', 'not_actionable', 'false_positive']))
    .option('--note <text>')
    .action(async (id: string, o: { classification?: string; note?: string }) => {
      const a = await client().post<AlertDetail>(`/api/alerts/${enc(id)}/resolve`, {
        ...(o.classification ? { classification: o.classification } : {}),
        ...(o.note ? { note: o.note } : {}),
      });
      output(json(), a, () => say(`${a.id} ${a.status}`));
    });
}
