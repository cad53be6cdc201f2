/**
 * `muster services escalation-preview <service> [--at <iso>] [--urgency low]`: who the service's escalation policy
 * would page at each level for an alert at that time (GET /api/services/:service/escalation-preview). Added to the
 * `services` command that src/cli/alerts.ts makes (commands.ts loads both for `services`).
 */
import { Option, type Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output, printTable, say } from './output.js';

interface Target {
  type: string;
  id: string;
  name: string | null;
  userIds: string[];
}
type Step =
  | { kind: 'hold'; at: string; until: string; reason: string }
  | {
      kind: 'page' | 'skipped';
      at: string;
      level: number;
      pass: number;
      delayMinutes: number;
      condition: { kind: string; days?: number[] };
      targets: Target[];
      userIds?: string[];
      nextAt?: string | null;
      reason?: string;
    };
interface Preview {
  service: { name: string; slug: string };
  at: string;
  urgency: string;
  policy: { name: string; repeat: number; workingHours: { timezone: string } } | null;
  steps: Step[];
  end: { kind: string; at: string };
  people: Record<string, { name: string; email: string }>;
}

/** The table a person reads: one row per step, in order. */
export function previewRows(p: Preview): Record<string, string>[] {
  const name = (id: string): string => p.people[id]?.name ?? id;
  const targetText = (t: Target): string =>
    t.type === 'schedule'
      ? `${t.name ?? t.id}: ${t.userIds.map(name).join(', ') || 'nobody'}`
      : `${t.name ?? t.id}${t.userIds.length ? '' : ' (disabled)'}`;
  return p.steps.map((s) => {
    if (s.kind === 'hold') {
      return { at: s.at, level: '-', outcome: 'held', who: '-', detail: `low urgency: paging starts at ${s.until}` };
    }
    const level = `${s.level}${s.pass > 0 ? ` (repeat ${s.pass})` : ''}`;
    if (s.kind === 'skipped') {
      const why =
        s.reason === 'condition_not_met' ? `condition ${s.condition.kind} does not hold` : 'nobody is on call';
      return { at: s.at, level, outcome: 'skipped', who: '-', detail: why };
    }
    return {
      at: s.at,
      level,
      outcome: 'page',
      who: (s.userIds ?? []).map(name).join(', '),
      detail: `${s.targets.map(targetText).join('; ')}${s.nextAt ? `; next level at ${s.nextAt}` : ''}`,
    };
  });
}

export function registerEscalationPreviewCommands(program: Command, { client, json }: CliDeps): void {
  const services = program.commands.find((c) => c.name() === 'services');
  if (!services) throw new Error('the services command must be registered first (src/cli/alerts.ts)');
  services
    .command('escalation-preview')
    .description('who would be paged at each level for an alert on this service at a time and urgency')
    .argument('<service>', 'id or slug')
    .option('--at <iso>', 'when the alert fires (RFC 3339, e.g. 2026-11-28T03:00:00Z); default now')
    .addOption(
      new Option('--urgency <urgency>', 'high: critical and error; low: warning and info').choices(['high', 'low']),
    )
    .action(async (service: string, o: { at?: string; urgency?: string }) => {
      const q = new URLSearchParams();
      if (o.at) q.set('at', o.at);
      if (o.urgency) q.set('urgency', o.urgency);
      const p = await client().get<Preview>(
        `/api/services/${encodeURIComponent(service)}/escalation-preview?${q.toString()}`,
      );
      output(json(), p, () => {
        say(`${p.service.name}: an alert at ${p.at}, ${p.urgency} urgency`);
        if (!p.policy) {
          say('no escalation policy: nobody is paged');
          return;
        }
        say(`policy ${p.policy.name}${p.policy.repeat ? `, repeated ${p.policy.repeat}×` : ''}`);
        printTable(previewRows(p), ['at', 'level', 'outcome', 'who', 'detail']);
        say(
          p.end.kind === 'last_level_paged'
            ? 'after the last level nobody is left to escalate to'
            : p.end.kind === 'exhausted'
              ? `from ${p.end.at} no level has anyone to page: escalation ends`
              : `stopped at ${p.end.at}`,
        );
      });
    });
}
