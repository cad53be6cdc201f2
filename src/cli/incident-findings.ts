/**
 * `muster incident entries|hypothesis|ticket`: the room's typed entries (open hypotheses and who is on each, ruling
 * one out or confirming it) and the incident's ticket in its team's tracker (docs/incidents.md). Posting an entry is
 * `muster incident note <id> <text> --type hypothesis|ruled_out|finding|decision` (src/cli/incidents.ts).
 */
import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output, printTable, say } from './output.js';

const enc = encodeURIComponent;

interface EntryJson extends Record<string, unknown> {
  id: string;
  type: string;
  text: string;
  evidenceUrl: string | null;
  author: { label: string };
  owner: { userId: string; name: string } | null;
  status: string;
  outcomeNote: string | null;
  createdAt: string;
}

interface TicketJson {
  team: { id: string; name: string };
  provider: string;
  status: string;
  key: string | null;
  url: string | null;
  state: string | null;
  isClosed: boolean;
  stateCheckedAt: string | null;
  error: string | null;
}

interface TicketStateJson {
  ticket: TicketJson | null;
  offer: {
    isOffered: boolean;
    reason: string | null;
    choices: { team: { id: string; name: string }; provider: string }[];
  };
}

const PROVIDERS: Record<string, string> = { github: 'GitHub', gitlab: 'GitLab', jira: 'Jira' };

function describeTicket(t: TicketJson): string {
  const where = `${t.team.name}'s ${PROVIDERS[t.provider] ?? t.provider}`;
  if (t.status === 'pending')
    return `Ticket asked for in ${where}; not created yet.${t.error ? ` Last try: ${t.error}` : ''}`;
  if (t.status === 'failed') return `The ticket in ${where} could not be created: ${t.error ?? 'no reason given'}`;
  return `${t.key}  ${t.state ?? '?'}${t.isClosed ? ' (closed)' : ''}  ${t.url}${t.stateCheckedAt ? `  checked ${t.stateCheckedAt}` : ''}`;
}

function printTicketState(s: TicketStateJson, id: string): void {
  if (s.ticket) say(describeTicket(s.ticket));
  else say('No ticket.');
  if (s.offer.isOffered) {
    const why = s.offer.reason === 'resolved' ? 'It is resolved' : 'It is P3 or P4';
    if (!s.offer.choices.length)
      say(`${why}: it can leave as a ticket once a team of its services connects GitHub, GitLab or Jira.`);
    else
      say(
        `${why}: leave it as a ticket with \`muster incident ticket ${id} --create\`` +
          (s.offer.choices.length > 1
            ? ` and one of: ${s.offer.choices.map((c) => `--team ${c.team.id} --provider ${c.provider} (${c.team.name})`).join('; ')}`
            : ` (${s.offer.choices[0]!.team.name}'s ${PROVIDERS[s.offer.choices[0]!.provider] ?? s.offer.choices[0]!.provider})`),
      );
  }
}

export function registerIncidentFindingCommands(program: Command, { client, json }: CliDeps): void {
  const incident = program.commands.find((c) => c.name() === 'incident');
  if (!incident) throw new Error('the incident command is registered first');

  incident
    .command('entries')
    .description('the room’s typed entries: hypotheses (who is on each), ruled out, findings, decisions')
    .argument('<id>')
    .option('--type <type>', 'only hypothesis | ruled_out | finding | decision')
    .option('--open', 'only open hypotheses')
    .action(async (id: string, o: { type?: string; open?: boolean }) => {
      const q = o.type ? `?type=${enc(o.type.replace(/-/g, '_'))}` : o.open ? '?type=hypothesis' : '';
      const r = await client().get<{ entries: EntryJson[] }>(`/api/incidents/${enc(id)}/entries${q}`);
      const entries = o.open ? r.entries.filter((e) => e.status === 'open') : r.entries;
      output(json(), entries, () =>
        printTable(
          entries.map((e) => ({
            id: e.id,
            type:
              e.type === 'hypothesis' && e.status !== 'open' ? `hypothesis (${e.status.replace('_', ' ')})` : e.type,
            text: e.outcomeNote ? `${e.text} — ${e.outcomeNote}` : e.text,
            owner: e.owner?.name ?? '',
            by: e.author.label,
            evidence: e.evidenceUrl ?? '',
          })),
          ['id', 'type', 'text', 'owner', 'by', 'evidence'],
        ),
      );
    });

  incident
    .command('hypothesis')
    .description('rule a hypothesis out, confirm it (a finding), or hand it over: its owner, the IC or the TL')
    .argument('<id>')
    .argument('<entryId>')
    .option('--rule-out', 'it is not the cause')
    .option('--confirm', 'it is the cause: it becomes a finding')
    .option('--owner <user>', 'hand it to someone else (email or id); its task follows')
    .option('-m, --note <text>', 'what showed it')
    .option('--evidence <url>', 'an http(s) link to the evidence')
    .action(
      async (
        id: string,
        entryId: string,
        o: { ruleOut?: boolean; confirm?: boolean; owner?: string; note?: string; evidence?: string },
      ) => {
        if (o.ruleOut && o.confirm) throw new Error('Pass --rule-out or --confirm, not both.');
        if (!o.ruleOut && !o.confirm && !o.owner) throw new Error('Pass --rule-out, --confirm or --owner <user>.');
        const c = client();
        const e = await c.patch<EntryJson>(`/api/incidents/${enc(id)}/entries/${enc(entryId)}`, {
          ...(o.ruleOut ? { outcome: 'ruled_out' } : o.confirm ? { outcome: 'confirmed' } : {}),
          ...(o.owner ? { ownerUserId: await c.userId(o.owner) } : {}),
          ...(o.note ? { note: o.note } : {}),
          ...(o.evidence ? { evidenceUrl: o.evidence } : {}),
        });
        output(json(), e, () =>
          say(
            e.status === 'open'
              ? `${e.owner?.name ?? 'Someone'} is on it: ${e.text}`
              : `${e.status === 'confirmed' ? 'Confirmed (a finding)' : 'Ruled out'}: ${e.text}`,
          ),
        );
      },
    );

  incident
    .command('ticket')
    .description(
      'the incident’s ticket in its team’s tracker (GitHub, GitLab or Jira): show it, --create it (offered once resolved or ' +
        'P3/P4), or --refresh its state',
    )
    .argument('<id>')
    .option('--create', 'create the ticket (a durable job: its key and URL follow)')
    .option('--provider <github|gitlab|jira>', 'which tracker, when the team has more than one')
    .option('--team <teamId>', 'which team, when several teams own the incident’s services')
    .option('--refresh', 'check the ticket’s state in the tracker now')
    .action(async (id: string, o: { create?: boolean; provider?: string; team?: string; refresh?: boolean }) => {
      const c = client();
      if (o.create) {
        const t = await c.post<TicketJson>(`/api/incidents/${enc(id)}/ticket`, {
          ...(o.provider ? { provider: o.provider } : {}),
          ...(o.team ? { teamId: o.team } : {}),
        });
        output(json(), t, () =>
          say(`${describeTicket(t)} It is linked here when created: muster incident ticket ${id}`),
        );
        return;
      }
      if (o.refresh) {
        const t = await c.post<TicketJson>(`/api/incidents/${enc(id)}/ticket/refresh`, {});
        output(json(), t, () => say(`Checking ${t.key ?? 'the ticket'} now.`));
        return;
      }
      const s = await c.get<TicketStateJson>(`/api/incidents/${enc(id)}/ticket`);
      output(json(), s, () => printTicketState(s, id));
    });
}
