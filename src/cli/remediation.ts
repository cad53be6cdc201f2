/** `muster action …`: remediation actions and their runs (docs/runbooks.md, "Actions"). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isFinal } from '../remediation/model.js';
import { ApiError } from './client.js';
import { output, printTable, type ClientDeps } from './output.js';

interface Run {
  id: string;
  actionName: string;
  status: string;
  exitCode: number | null;
  httpStatus: number | null;
  output: string;
  error: string | null;
  createdAt: string;
}

const enc = encodeURIComponent;

/** `--param NAME=VALUE` pairs; a malformed one is named. */
function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--param ${p}: write it as NAME=VALUE.`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** An API error with the fields it names (a refused parameter), each on its own line. */
function withFields(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  const problems = (e.details as { problems?: { field: string; message: string }[] } | undefined)?.problems;
  if (!Array.isArray(problems) || problems.length === 0) return e;
  const lines = problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n');
  return new ApiError(e.status, e.code, `${e.message}\n${lines}`, e.details);
}

export function registerRemediationCommands(program: Command, { client, json }: ClientDeps): void {
  const act = program.command('action').description('remediation actions and their runs');

  act
    .command('list')
    .description('remediation actions: HTTP requests and agent commands')
    .option('--team <id>', 'only this team (id or slug)')
    .action(async (o: { team?: string }) => {
      const r = await client().get<{ items: { id: string; name: string; kind: string; mode: string }[] }>(
        `/api/actions${o.team ? `?teamId=${enc(await client().teamId(o.team))}` : ''}`,
      );
      output(json(), r.items, () => printTable(r.items, ['id', 'kind', 'mode', 'name']));
    });

  act
    .command('show')
    .description('one action, as JSON')
    .argument('<id>')
    .action(async (id: string) => {
      const a = await client().get(`/api/actions/${enc(id)}`);
      output(json(), a, () => console.log(JSON.stringify(a, null, 2)));
    });

  act
    .command('create')
    .description('create an action from a JSON file (docs/runbooks.md)')
    .requiredOption('--file <path>', 'the action as JSON (- reads stdin)')
    .action(async (o: { file: string }) => {
      const body: unknown = JSON.parse(readFileSync(o.file === '-' ? 0 : o.file, 'utf8'));
      const a = await client().post<{ id: string }>('/api/actions', body);
      output(json(), a, () => console.log(a.id));
    });

  act
    .command('run')
    .description('run an action (an approval action waits for a second person)')
    .argument('<action>')
    .option('--alert <id>', "fill its parameters from this alert's labels and annotations")
    .option('--incident <id>', "post the run on this incident's timeline")
    .option('--param <k=v>', 'an input parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--dry-run')
    .option('--wait', 'print the output as it comes and exit with the run’s status')
    .action(
      async (
        actionId: string,
        o: { alert?: string; incident?: string; param: string[]; dryRun?: boolean; wait?: boolean },
      ) => {
        const params = parseParams(o.param);
        const c = client();
        let run = await c
          .post<Run>(`/api/actions/${enc(actionId)}/runs`, {
            ...(o.alert ? { alertId: o.alert } : {}),
            ...(o.incident ? { incidentId: o.incident } : {}),
            ...(o.param.length ? { params } : {}),
            ...(o.dryRun ? { dryRun: true } : {}),
          })
          .catch((e: unknown) => {
            throw withFields(e);
          });
        if (!o.wait) {
          output(json(), run, () => console.log(`${run.id} ${run.status}`));
          return;
        }
        let printed = 0;
        // Waiting on a person says so once (on stderr, so the output stays the command's own), and who can approve it.
        if (run.status === 'awaiting_approval')
          console.error(`${run.actionName}: awaiting approval by a second person (muster action approve ${run.id})…`);
        while (!isFinal(run.status)) {
          await new Promise((r) => setTimeout(r, 500));
          run = await c.get<Run>(`/api/runs/${enc(run.id)}`);
          if (run.output.length > printed) {
            process.stdout.write(run.output.slice(printed));
            printed = run.output.length;
          }
        }
        if (run.output.length > printed) process.stdout.write(run.output.slice(printed));
        console.error(`${run.actionName}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
        process.exitCode = run.status === 'succeeded' ? 0 : (run.exitCode ?? 1) || 1;
      },
    );

  act
    .command('runs')
    .description('runs, newest first')
    .option('--team <id>', 'only this team (id or slug)')
    .option('--status <status>')
    .option('--action <id>')
    .option('--incident <id>')
    .action(async (o: { team?: string; status?: string; action?: string; incident?: string }) => {
      const q = new URLSearchParams();
      if (o.team) q.set('teamId', await client().teamId(o.team));
      if (o.status) q.set('status', o.status);
      if (o.action) q.set('actionId', o.action);
      if (o.incident) q.set('incidentId', o.incident);
      const r = await client().get<{ items: Run[] }>(`/api/runs${q.size ? `?${q.toString()}` : ''}`);
      output(json(), r.items, () =>
        printTable(
          r.items.map((x) => ({ id: x.id, status: x.status, action: x.actionName, createdAt: x.createdAt })),
          ['id', 'status', 'action', 'createdAt'],
        ),
      );
    });

  for (const verb of ['approve', 'reject', 'cancel'] as const) {
    act
      .command(verb)
      .description(
        verb === 'approve'
          ? 'approve a run awaiting approval (not your own request): it runs'
          : verb === 'reject'
            ? 'reject a run awaiting approval, with --note saying why'
            : 'cancel a run that has not finished',
      )
      .argument('<run>')
      .option('--note <text>', 'why (required to reject)')
      .action(async (id: string, o: { note?: string }) => {
        const body = verb === 'approve' ? { note: o.note } : verb === 'reject' ? { reason: o.note ?? '' } : {};
        const run = await client().post<Run>(`/api/runs/${enc(id)}/${verb}`, body);
        output(json(), run, () => console.log(`${run.id} ${run.status}`));
      });
  }

  for (const verb of ['pause', 'resume'] as const) {
    act
      .command(verb)
      .description(`${verb} automatic runs for a team (the kill switch)`)
      .requiredOption('--team <id>')
      .option('--reason <text>')
      .action(async (o: { team: string; reason?: string }) => {
        const s = await client().request('PUT', `/api/teams/${enc(o.team)}/automation`, {
          automaticPaused: verb === 'pause',
          ...(o.reason ? { reason: o.reason } : {}),
        });
        output(json(), s, () => console.log(verb === 'pause' ? 'Automatic runs paused.' : 'Automatic runs resumed.'));
      });
  }
}
