/**
 * Client commands for action items (the HTTP API, like every client command):
 *   muster actions list [--mine] [--overdue] [--team ID] [--status S] [--json]
 *   muster actions create --postmortem ID|--incident ID --title T --owner EMAIL|ID [--due DATE] [--priority P] [--kind K]
 *   muster actions update ID [--status S] [--reason R] [--verification V]
 */
import type { Command } from 'commander';
import { output, printTable, type ClientDeps } from './output.js';

interface ItemJson extends Record<string, unknown> {
  id: string;
  title: string;
  owner: { id: string; name: string };
  team: { id: string; name: string };
  dueAt: string;
  priority: string;
  kind: string;
  status: string;
  isOverdue: boolean;
  tracker: { url: string } | null;
}

const enc = encodeURIComponent;
/** The most pages `list` follows (200 items each) before it stops and says so. */
const MAX_PAGES = 50;

function rowsOf(items: ItemJson[]): Record<string, unknown>[] {
  return items.map((i) => ({
    id: i.id,
    due: i.dueAt.slice(0, 10) + (i.isOverdue ? ' (overdue)' : ''),
    status: i.status,
    priority: i.priority,
    owner: i.owner.name,
    team: i.team.name,
    title: i.title,
  }));
}

function printItem(i: ItemJson): void {
  printTable(rowsOf([i]), ['id', 'due', 'status', 'priority', 'owner', 'team', 'title']);
  if (i.tracker) process.stdout.write(`tracker: ${i.tracker.url}\n`);
}

export function registerActionCommands(program: Command, { client, json }: ClientDeps): void {
  const actions = program
    .command('actions')
    .description('action items from post-mortems and incidents: list, create, update');

  actions
    .command('list')
    .description('action items by due date (every page)')
    .option('--mine', 'only mine')
    .option('--overdue', 'past due and still open or in progress')
    .option('--team <id>', 'one team')
    .option('--status <status>', 'open, in_progress, done, wont_do or verified (comma-separated for several)')
    .action(async (o: { mine?: boolean; overdue?: boolean; team?: string; status?: string }) => {
      const q = new URLSearchParams({ limit: '200' });
      if (o.mine) q.set('owner', 'me');
      if (o.overdue) q.set('overdue', 'true');
      if (o.team) q.set('teamId', o.team);
      if (o.status) q.set('status', o.status);
      const items: ItemJson[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        if (cursor) q.set('cursor', cursor);
        const page: { items: ItemJson[]; nextCursor: string | null } = await client().get(
          `/api/action-items?${q.toString()}`,
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && ++pages < MAX_PAGES);
      output(json(), items, () => {
        printTable(rowsOf(items), ['id', 'due', 'status', 'priority', 'owner', 'team', 'title']);
        if (cursor) process.stdout.write(`(first ${items.length} shown: narrow the list with --team or --status)\n`);
      });
    });

  actions
    .command('create')
    .description('add an action item to a post-mortem or an incident (an owner is required)')
    .option('--postmortem <id>', 'the post-mortem it comes from')
    .option('--incident <id>', 'the incident it comes from (when there is no post-mortem)')
    .requiredOption('--title <text>', 'what is to be done')
    .requiredOption('--owner <emailOrId>', 'the person who owns it')
    .option('--team <id>', "default: the owner's team, when they have one")
    .option('--due <date>', 'YYYY-MM-DD (due 17:00 UTC) or an RFC 3339 time; default from the priority')
    .option('--priority <p>', 'high (due in 7 days), medium (14) or low (30)', 'medium')
    .option('--kind <k>', 'mitigate, prevent, detect, process or runbook (with --runbook ID)', 'prevent')
    .option('--description <text>')
    .option('--tracker', "create the issue in the team's tracker (GitHub, GitLab or Jira)")
    .action(
      async (o: {
        postmortem?: string;
        incident?: string;
        title: string;
        owner: string;
        team?: string;
        due?: string;
        priority: string;
        kind: string;
        description?: string;
        tracker?: boolean;
      }) => {
        if (!o.postmortem && !o.incident) throw new Error('Pass --postmortem or --incident.');
        const item = await client().post<ItemJson>('/api/action-items', {
          ...(o.postmortem ? { postmortemId: o.postmortem } : {}),
          ...(o.incident ? { incidentId: o.incident } : {}),
          title: o.title,
          ownerUserId: o.owner,
          ...(o.team ? { teamId: o.team } : {}),
          ...(o.due ? { dueAt: o.due } : {}),
          priority: o.priority,
          kind: o.kind,
          ...(o.description ? { description: o.description } : {}),
          ...(o.tracker ? { createTrackerIssue: true } : {}),
        });
        output(json(), item, () => printItem(item));
      },
    );

  actions
    .command('update')
    .description("change an item's status (won't do needs --reason; verified needs --verification)")
    .argument('<id>')
    .option('--status <status>', 'open, in_progress, done, wont_do or verified')
    .option('--reason <text>', "why it won't be done")
    .option('--verification <text>', 'evidence that the fix works: a link or a note')
    .option('--alert-rule <name>', 'the alert rule that should stop firing')
    .option('--due <date>', 'a new due date')
    .option('--owner <emailOrId>', 'a new owner')
    .action(
      async (
        id: string,
        o: {
          status?: string;
          reason?: string;
          verification?: string;
          alertRule?: string;
          due?: string;
          owner?: string;
        },
      ) => {
        const body = {
          ...(o.status ? { status: o.status } : {}),
          ...(o.reason ? { statusReason: o.reason } : {}),
          ...(o.verification ? { verification: o.verification } : {}),
          ...(o.alertRule ? { verificationAlertRule: o.alertRule } : {}),
          ...(o.due ? { dueAt: o.due } : {}),
          ...(o.owner ? { ownerUserId: o.owner } : {}),
        };
        if (Object.keys(body).length === 0) throw new Error('Nothing to change: pass --status, --due or --owner.');
        const item = await client().patch<ItemJson>(`/api/action-items/${enc(id)}`, body);
        output(json(), item, () => printItem(item));
      },
    );
}
