/**
 * `muster incident bridge|add-responders|responders|respond` and `muster team bridge` (docs/incidents.md, "Bridge
 * call" and "Add responders"): the incident's bridge call, paging more responders for it, and a team's bridge setting.
 */
import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output, printTable, say } from './output.js';

const enc = encodeURIComponent;
const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface BridgeJson {
  url: string;
  dialIn: string;
  source?: string;
  mode?: string;
}

interface RequestJson extends Record<string, unknown> {
  id: string;
  target: { type: string; name: string };
  state: string;
  message: string;
  paged: { name: string; hasDeclined: boolean }[];
  respondedBy: { label: string | null };
}

function printBridge(b: BridgeJson | null, none: string): void {
  if (!b) return say(none);
  say(b.mode ? `${b.mode === 'template' ? 'template' : 'fixed'}  ${b.url}` : b.url);
  if (b.dialIn) say(`dial-in  ${b.dialIn}`);
}

function printRequests(rs: RequestJson[]): void {
  if (!rs.length) return say('No responders asked for.');
  printTable(
    rs.map((r) => ({
      id: r.id,
      state: r.state,
      target: `${r.target.name} (${r.target.type})`,
      paged: r.paged.map((p) => (p.hasDeclined ? `${p.name} (can't help)` : p.name)).join(', ') || '-',
      answered: r.respondedBy.label ?? '',
    })),
    ['id', 'state', 'target', 'paged', 'answered'],
  );
}

export function registerIncidentBridgeCommands(program: Command, { client, json }: CliDeps): void {
  const incident = program.commands.find((c) => c.name() === 'incident');
  if (!incident) throw new Error('the incident command is registered first');

  incident
    .command('bridge')
    .description("the incident's bridge call: show it, set it (--url, --dial-in), remove it (--clear), or --join it")
    .argument('<id>')
    .option('--url <url>', 'the bridge URL (an http(s) link; Muster never fetches it)')
    .option('--dial-in <text>', 'dial-in numbers and PIN')
    .option('--clear', 'remove the bridge call')
    .option('--join', 'record that you joined the bridge (ticks "open the incident channel")')
    .action(async (id: string, o: { url?: string; dialIn?: string; clear?: boolean; join?: boolean }) => {
      const path = `/api/incidents/${enc(id)}/bridge`;
      const c = client();
      if (o.clear) {
        const r = await c.put<{ bridge: null }>(path, null);
        return output(json(), r, () => say('Bridge call removed.'));
      }
      if (o.url !== undefined || o.dialIn !== undefined) {
        if (o.url === undefined) throw new Error('--dial-in goes with --url.');
        const r = await c.put<{ bridge: BridgeJson }>(path, { url: o.url, dialIn: o.dialIn ?? '' });
        return output(json(), r, () => printBridge(r.bridge, ''));
      }
      if (o.join) {
        const r = await c.post<{ isFirstJoin: boolean }>(`${path}/join`);
        const b = await c.get<{ bridge: BridgeJson | null }>(path);
        return output(json(), { ...r, ...b }, () => printBridge(b.bridge, 'This incident has no bridge call.'));
      }
      const r = await c.get<{ bridge: BridgeJson | null }>(path);
      output(json(), r, () => printBridge(r.bridge, 'This incident has no bridge call.'));
    });

  incident
    .command('add-responders')
    .description(
      'page more responders for the incident: escalation policies, schedules (whoever is on call) or people, with a ' +
        'message; each goes through escalation and answers in the room',
    )
    .argument('<id>')
    .option('--policy <policy>', 'an escalation policy (name or id); repeatable', collect, [])
    .option('--schedule <schedule>', 'a schedule (name or id): whoever is on call; repeatable', collect, [])
    .option('--user <user>', 'a person (email or id); repeatable', collect, [])
    .option('-m, --message <text>', 'what you need from them')
    .action(async (id: string, o: { policy: string[]; schedule: string[]; user: string[]; message?: string }) => {
      const targets = [
        ...o.policy.map((p) => ({ type: 'policy', id: p })),
        ...o.schedule.map((s) => ({ type: 'schedule', id: s })),
        ...o.user.map((u) => ({ type: 'user', id: u })),
      ];
      if (!targets.length) throw new Error('Name at least one --policy, --schedule or --user to page.');
      const r = await client().post<{ requests: RequestJson[] }>(`/api/incidents/${enc(id)}/responder-requests`, {
        targets,
        ...(o.message ? { message: o.message } : {}),
      });
      output(json(), r, () => printRequests(r.requests));
    });

  incident
    .command('responders')
    .description('responders asked for from the room, and their answers (paged, acknowledged, declined, escalated)')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await client().get<{ requests: RequestJson[] }>(`/api/incidents/${enc(id)}/responder-requests`);
      output(json(), r, () => printRequests(r.requests));
    });

  incident
    .command('respond')
    .description("answer a page for more responders: --acknowledge (you are coming) or --decline (you can't help)")
    .argument('<id>', 'the incident')
    .argument('<requestId>', 'the request (muster incident responders <id>)')
    .option('--acknowledge', 'you are coming to help')
    .option('--decline', "you can't help")
    .option('--note <text>', 'a word for the room')
    .action(async (id: string, requestId: string, o: { acknowledge?: boolean; decline?: boolean; note?: string }) => {
      if (!!o.acknowledge === !!o.decline) throw new Error('Say --acknowledge or --decline.');
      const r = await client().post<{ request: RequestJson }>(
        `/api/incidents/${enc(id)}/responder-requests/${enc(requestId)}/${o.acknowledge ? 'acknowledge' : 'decline'}`,
        o.note ? { note: o.note } : {},
      );
      output(json(), r, () => say(`${r.request.target.name}: ${r.request.state}`));
    });
}

export function registerTeamBridgeCommands(program: Command, { client, json }: CliDeps): void {
  const team = program.commands.find((c) => c.name() === 'team');
  if (!team) throw new Error('the team command is registered first');
  team
    .command('bridge')
    .description(
      "a team's bridge call for its incidents: show it, set a fixed one (--url) or a template (--template, with " +
        '{incident_key}, {incident_id}, {team}), or remove it (--clear)',
    )
    .argument('<team>', 'team id or slug')
    .option('--url <url>', 'a fixed bridge URL')
    .option('--template <url>', 'a URL template, e.g. https://meet.jit.si/muster-{incident_key}')
    .option('--dial-in <text>', 'dial-in numbers and PIN')
    .option('--clear', 'remove the bridge call')
    .action(async (teamId: string, o: { url?: string; template?: string; dialIn?: string; clear?: boolean }) => {
      const path = `/api/teams/${enc(teamId)}/bridge`;
      const c = client();
      if (o.clear) {
        const r = await c.put<{ bridge: null }>(path, null);
        return output(json(), r, () => say('Bridge call removed.'));
      }
      if (o.url && o.template) throw new Error('Give --url or --template, not both.');
      if (o.url || o.template) {
        const r = await c.put<{ bridge: BridgeJson }>(path, {
          mode: o.template ? 'template' : 'fixed',
          url: (o.template ?? o.url)!,
          dialIn: o.dialIn ?? '',
        });
        return output(json(), r, () => printBridge(r.bridge, ''));
      }
      const r = await c.get<{ bridge: BridgeJson | null }>(path);
      output(json(), r, () => printBridge(r.bridge, 'No bridge call.'));
    });
}
