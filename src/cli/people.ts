import type { Command } from 'commander';
import { printJson, printTable, type ClientDeps } from './output.js';
import { registerPeopleLedgerCommands } from './people-ledger.js';

interface WindowOpts {
  from?: string;
  to?: string;
  team?: string;
  service?: string;
}

const query = (o: WindowOpts): string => {
  const q = new URLSearchParams();
  if (o.team) q.set('teamId', o.team);
  if (o.service) q.set('serviceId', o.service);
  if (o.from) q.set('from', o.from);
  if (o.to) q.set('to', o.to);
  const s = q.toString();
  return s ? `?${s}` : '';
};

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${Math.round(x * 100)}%`);

const withWindow = (c: Command): Command =>
  c
    .option('--from <time>', 'window start (RFC 3339; default: 90 days ago)')
    .option('--to <time>', 'window end (RFC 3339; default: now)');

/** `muster people heroes|knowledge|load|recovery|card|ranking` (docs/people-health.md), and the ledger's commands. */
export function registerPeopleCommands(program: Command, deps: ClientDeps): void {
  const { client, json } = deps;
  const people =
    program.commands.find((c) => c.name() === 'people') ?? program.command('people').description('people health');

  withWindow(people.command('heroes').description("each person's share of the team's load; heroes flagged"))
    .requiredOption('--team <id>', 'team id or slug')
    .action(async (o: WindowOpts) => {
      type P = {
        name: string;
        pagesAcknowledged: number;
        incidentsResponded: number;
        rolesHeld: number;
        offHoursPageHours: number;
        share: Record<string, number>;
        flagged: boolean;
        reasons: string[];
      };
      const r = await client().get<{ people: P[] }>(`/api/people/heroes${query(o)}`);
      if (json()) return printJson(r);
      printTable(
        r.people.map((p) => ({
          person: p.name,
          pages: `${p.pagesAcknowledged} (${pct(p.share.pages)})`,
          incidents: `${p.incidentsResponded} (${pct(p.share.incidents)})`,
          roles: `${p.rolesHeld} (${pct(p.share.roles)})`,
          'off-hours h': `${p.offHoursPageHours} (${pct(p.share.offHours)})`,
          flag: p.flagged ? p.reasons.join(' ') : '',
        })),
        ['person', 'pages', 'incidents', 'roles', 'off-hours h', 'flag'],
      );
    });

  withWindow(people.command('knowledge').description('per service, who handled its incidents; one-person knowledge'))
    .option('--team <id>', 'team id or slug')
    .option('--service <id>', 'one service')
    .action(async (o: WindowOpts) => {
      type S = {
        name: string;
        incidents: number;
        flagged: boolean;
        holder: { name: string; share: number } | null;
        remedies: { text: string }[];
      };
      const r = await client().get<{ services: S[] }>(`/api/people/knowledge${query(o)}`);
      if (json()) return printJson(r);
      printTable(
        r.services.map((s) => ({
          service: s.name,
          incidents: s.incidents,
          'most handled by': s.holder ? `${s.holder.name} (${pct(s.holder.share)})` : '-',
          flag: s.flagged ? s.remedies.map((x) => x.text).join(' ') : '',
        })),
        ['service', 'incidents', 'most handled by', 'flag'],
      );
    });

  withWindow(people.command('load').description('share of each month on call per person, back-to-back shifts'))
    .requiredOption('--team <id>', 'team id or slug')
    .action(async (o: WindowOpts) => {
      type L = {
        timeZone: string;
        loadShare: number;
        people: {
          name: string;
          flagged: boolean;
          months: { month: string; onCallHours: number; share: number; flagged: boolean }[];
        }[];
        backToBack: { name: string; scheduleIds: string[]; from: string; to: string }[];
      };
      const r = await client().get<L>(`/api/people/load${query(o)}`);
      if (json()) return printJson(r);
      // A month starts at midnight in the team's zone: 1 Oct in London is 30 Sept 23:00 UTC, so read it there.
      const monthOf = new Intl.DateTimeFormat('en-CA', { timeZone: r.timeZone, year: 'numeric', month: '2-digit' });
      printTable(
        r.people.flatMap((p) =>
          p.months.map((m) => ({
            person: p.name,
            month: monthOf.format(new Date(m.month)),
            hours: m.onCallHours,
            // One decimal where whole percents would hide the side of the limit it falls on (25.4% is over 25%).
            share:
              Math.round(m.share * 100) === Math.round(r.loadShare * 100) && m.share !== r.loadShare
                ? `${Math.round(m.share * 1000) / 10}%`
                : pct(m.share),
            flag: m.flagged ? 'more than a week in four' : '',
          })),
        ),
        ['person', 'month', 'hours', 'share', 'flag'],
      );
      if (r.backToBack.length) {
        process.stdout.write('\nBack-to-back across schedules:\n');
        printTable(
          r.backToBack.map((b) => ({ person: b.name, from: b.from, to: b.to, schedules: b.scheduleIds.join(', ') })),
          ['person', 'from', 'to', 'schedules'],
        );
      }
    });

  withWindow(people.command('recovery').description('recovery time after pages in sleep hours (--team) or yours'))
    .option('--team <id>', "the team's (default: your own for the coming 48 hours)")
    .action(async (o: WindowOpts) => {
      type R = {
        recovery: {
          name: string;
          pagedAt: string;
          recoveryFrom: string;
          recoveryTo: string;
          cover: { scheduleName: string; proposal: { userName: string | null } } | null;
        }[];
      };
      const r = o.team
        ? await client().get<R>(`/api/people/load${query(o)}`)
        : await client().get<R>('/api/me/recovery');
      if (json()) return printJson(r.recovery);
      printTable(
        r.recovery.map((x) => ({
          person: x.name,
          'paged at': x.pagedAt,
          from: x.recoveryFrom,
          to: x.recoveryTo,
          cover: x.cover ? `${x.cover.scheduleName}: ${x.cover.proposal.userName ?? 'someone'}` : '-',
        })),
        ['person', 'paged at', 'from', 'to', 'cover'],
      );
    });

  type Card = {
    name: string;
    owningTeam: { name: string };
    openIncidents: number;
    pagesPerWeek: number;
    noisyShare: number | null;
    mtta: { median: number | null };
    mttr: { median: number | null };
    postmortemCompletion: number | null;
    overdueActionItems: number;
    runbookCoverage: { hasRunbook: boolean; alertRulesCovered: number | null };
    knowledgeFlag: boolean;
    score: number;
  };
  const mins = (s: number | null): string => (s === null ? '-' : `${Math.round(s / 60)} min`);
  const cardRow = (c: Card) => ({
    service: c.name,
    team: c.owningTeam.name,
    open: c.openIncidents,
    'pages/week': c.pagesPerWeek,
    noisy: pct(c.noisyShare),
    mtta: mins(c.mtta.median),
    mttr: mins(c.mttr.median),
    'pm done': pct(c.postmortemCompletion),
    overdue: c.overdueActionItems,
    runbooks: c.runbookCoverage.hasRunbook ? pct(c.runbookCoverage.alertRulesCovered) : 'none',
    'one person': c.knowledgeFlag ? 'yes' : '',
    score: c.score,
  });
  const cardColumns = [
    'service',
    'team',
    'open',
    'pages/week',
    'noisy',
    'mtta',
    'mttr',
    'pm done',
    'overdue',
    'runbooks',
    'one person',
    'score',
  ];

  withWindow(people.command('card <service>').description("a service's health card")).action(
    async (service: string, o: WindowOpts) => {
      const c = await client().get<Card>(`/api/services/${encodeURIComponent(service)}/health-card${query(o)}`);
      if (json()) return printJson(c);
      printTable([cardRow(c)], cardColumns);
    },
  );

  withWindow(people.command('ranking <team>').description("the team's services by health card, worst first")).action(
    async (team: string, o: WindowOpts) => {
      const r = await client().get<{ services: Card[] }>(
        `/api/teams/${encodeURIComponent(team)}/service-health${query(o)}`,
      );
      if (json()) return printJson(r);
      printTable(r.services.map(cardRow), cardColumns);
    },
  );

  registerPeopleLedgerCommands(people, deps);
}
