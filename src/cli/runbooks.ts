/**
 * Client commands for runbooks (docs/runbooks.md): `muster runbook list|show|create|edit|review|versions|diff|link`,
 * over the HTTP API like every client command. `create` and `edit` read the Markdown from a file, or stdin with `-`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseMatcher } from '../alerts/noise-model.js';
import { output, printTable, say, type ClientDeps } from './output.js';

interface Summary {
  id: string;
  teamName: string;
  slug: string;
  title: string;
  version: number;
  reviewDueAt: string;
  isStale: boolean;
  services: { slug: string }[];
}
interface Runbook extends Summary {
  body: string;
  serviceIds: string[];
  lastReviewedAt: string | null;
  alertRules: { alertname: string | null; matchers: { name: string; op: string; value: string }[] }[];
}

const enc = encodeURIComponent;
const readBody = (file: string): string => readFileSync(file === '-' ? 0 : file, 'utf8');

/** `a="x,y", b=~"1{2,3}"` split at the commas outside double quotes. */
function splitMatchers(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\') {
      cur += c + (text[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/**
 * `alertname` or `alertname{name="v",x=~"re"}` or `{name!="v"}`: one alert rule. Matchers are read as silences read
 * them (src/alerts/noise-model.ts: a quoted value is a JSON string), and a comma inside quotes stays in the value.
 */
export function parseRule(text: string): Runbook['alertRules'][number] {
  const m = /^([^{]*)(?:\{(.*)\})?$/s.exec(text.trim());
  if (!m) throw new Error(`not an alert rule: ${text}`);
  const matchers = splitMatchers(m[2] ?? '').map((s) => {
    let p: ReturnType<typeof parseMatcher>;
    try {
      p = parseMatcher(s);
    } catch {
      p = null;
    }
    if (!p) throw new Error(`not a matcher: ${s}`);
    return { name: p.name, op: `${p.isEqual ? '=' : '!'}${p.isRegex ? '~' : p.isEqual ? '' : '='}`, value: p.value };
  });
  return { alertname: m[1]!.trim() || null, matchers };
}

const list = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerRunbookCommands(program: Command, deps: ClientDeps): void {
  const rb = program.command('runbook').description('runbooks: Markdown steps for alerts and services');

  rb.command('list')
    .description('runbooks, with their services and next review')
    .option('--team <id>', 'only this team (id or slug)')
    .option('--service <id>', 'only runbooks of this service (id or slug)')
    .option('--stale', 'only runbooks due for review')
    .option('-q, --query <text>', 'title contains')
    .action(async (o: { team?: string; service?: string; stale?: boolean; query?: string }) => {
      const qs = new URLSearchParams();
      const c = deps.client();
      if (o.team) qs.set('teamId', await c.teamId(o.team));
      if (o.service) qs.set('serviceId', await c.serviceId(o.service));
      if (o.stale) qs.set('stale', 'true');
      if (o.query) qs.set('q', o.query);
      const r = await deps.client().request<{ items: Summary[] }>('GET', `/api/runbooks?${qs}`);
      output(deps.json(), r, () =>
        printTable(
          r.items.map((s) => ({
            id: s.id,
            team: s.teamName,
            title: s.title,
            version: s.version,
            review: s.isStale ? `due since ${s.reviewDueAt.slice(0, 10)}` : s.reviewDueAt.slice(0, 10),
            services: s.services.map((x) => x.slug).join(','),
          })),
          ['id', 'team', 'title', 'version', 'review', 'services'],
        ),
      );
    });

  rb.command('show <id>')
    .description('a runbook: its alert rules and steps')
    .action(async (id: string) => {
      const r = await deps.client().request<Runbook>('GET', `/api/runbooks/${enc(id)}`);
      output(deps.json(), r, () => {
        say(`${r.title}  (${r.teamName}, version ${r.version}${r.isStale ? ', due for review' : ''})`);
        for (const a of r.alertRules) {
          const matchers = a.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',');
          // As --alert takes it: "CheckoutErrors" alone, braces only around matchers.
          say(`alert rule: ${a.alertname ?? ''}${matchers || !a.alertname ? `{${matchers}}` : ''}`);
        }
        say('');
        say(r.body);
      });
    });

  rb.command('create')
    .description('write a runbook from a Markdown file')
    .requiredOption('--team <id>', 'the owning team (id or slug)')
    .requiredOption('--title <text>', 'the title')
    .requiredOption('--file <path>', 'the Markdown body (- for stdin)')
    .option('--service <id>', 'a service it covers, id or slug (repeat)', list)
    .option('--alert <rule>', 'an alert rule: Alertname or Alertname{label="v",x=~"re"} (repeat)', list)
    .option('--review-days <n>', 'review interval in days')
    .action(
      async (o: {
        team: string;
        title: string;
        file: string;
        service?: string[];
        alert?: string[];
        reviewDays?: string;
      }) => {
        const c = deps.client();
        const r = await c.request<Runbook>('POST', '/api/runbooks', {
          teamId: await c.teamId(o.team),
          title: o.title,
          body: readBody(o.file),
          ...(o.service ? { serviceIds: await Promise.all(o.service.map((s) => c.serviceId(s))) } : {}),
          ...(o.alert ? { alertRules: o.alert.map(parseRule) } : {}),
          ...(o.reviewDays ? { reviewIntervalDays: Number(o.reviewDays) } : {}),
        });
        output(deps.json(), r, () => say(`created ${r.id} (${r.slug})`));
      },
    );

  rb.command('edit <id>')
    .description('save a new version (counts as a review)')
    .option('--file <path>', 'the new Markdown body (- for stdin)')
    .option('--title <text>', 'a new title')
    .option('--note <text>', 'what changed')
    .option('--base <version>', 'refuse if someone saved since this version')
    .action(async (id: string, o: { file?: string; title?: string; note?: string; base?: string }) => {
      const r = await deps.client().request<Runbook>('PATCH', `/api/runbooks/${enc(id)}`, {
        ...(o.file ? { body: readBody(o.file) } : {}),
        ...(o.title ? { title: o.title } : {}),
        ...(o.note ? { note: o.note } : {}),
        ...(o.base ? { baseVersion: Number(o.base) } : {}),
      });
      output(deps.json(), r, () => say(`saved ${r.id}: version ${r.version}`));
    });

  rb.command('review <id>')
    .description('mark reviewed: the steps still hold')
    .action(async (id: string) => {
      const r = await deps.client().request<Runbook>('POST', `/api/runbooks/${enc(id)}/review`, {});
      output(deps.json(), r, () => say(`reviewed ${r.id}; next review due ${r.reviewDueAt.slice(0, 10)}`));
    });

  rb.command('versions <id>')
    .description('every version, who saved it and why')
    .action(async (id: string) => {
      const r = await deps
        .client()
        .request<{ items: { version: number; authorLabel: string; createdAt: string; note: string }[] }>(
          'GET',
          `/api/runbooks/${enc(id)}/versions`,
        );
      output(deps.json(), r, () =>
        printTable(
          r.items.map((v) => ({ version: v.version, at: v.createdAt, by: v.authorLabel, note: v.note })),
          ['version', 'at', 'by', 'note'],
        ),
      );
    });

  rb.command('diff <id> <from> <to>')
    .description('what changed between two versions')
    .action(async (id: string, from: string, to: string) => {
      const r = await deps
        .client()
        .request<{ unified: string }>('GET', `/api/runbooks/${enc(id)}/diff?from=${enc(from)}&to=${enc(to)}`);
      output(deps.json(), r, () => say(r.unified));
    });

  rb.command('link <id>')
    .description("set the runbook's services and alert rules (each option replaces that list)")
    .option('--service <id>', 'a service it covers, id or slug (repeat)', list)
    .option('--alert <rule>', 'an alert rule (repeat)', list)
    .option('--no-services', 'unlink every service')
    .action(async (id: string, o: { service?: string[]; alert?: string[]; services?: boolean }) => {
      const c = deps.client();
      const serviceIds = o.service ? await Promise.all(o.service.map((s) => c.serviceId(s))) : undefined;
      const r = await c.request<Runbook>('PATCH', `/api/runbooks/${enc(id)}`, {
        ...(serviceIds ? { serviceIds } : o.services === false ? { serviceIds: [] } : {}),
        ...(o.alert ? { alertRules: o.alert.map(parseRule) } : {}),
      });
      output(deps.json(), r, () =>
        say(`${r.id}: ${r.serviceIds.length} service(s), ${r.alertRules.length} alert rule(s)`),
      );
    });
}
