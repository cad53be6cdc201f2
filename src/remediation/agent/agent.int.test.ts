/**
 * A real `muster agent` process against a real Muster, on both engines: it runs an allowed command with the run's
 * arguments as literal argv elements and only its config's environment, streams the output, records the exit status
 * on the run and the incident's timeline; a timeout kills the command's whole process group; an agent killed mid-run
 * leaves a run that ends failed when its lease runs out; the server refuses to queue a command an agent did not
 * report; a revoked token gets 401 and the agent exits.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import { FakeClock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { startTestMuster, type TestMuster } from '../../testing/server.js';
import { checkAgentCommand } from './index.js';

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
const NODE = process.execPath;

const CONFIG = `
commands:
  echo-args:
    description: Print each argument on its own line, and the environment's names
    run: ["${NODE}", "-e", "for (const a of process.argv.slice(1)) console.log(JSON.stringify(a)); console.error('env: ' + Object.keys(process.env).sort().join(','))", "--", "{0}", "{1}"]
  sleepy:
    run: ["${NODE}", "-e", "const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }); console.log('pids ' + process.pid + ' ' + c.pid); setTimeout(() => {}, 60000)"]
    timeoutSeconds: 1
  long:
    run: ["${NODE}", "-e", "console.log('pgid ' + process.pid); setTimeout(() => {}, 120000)"]
  fails:
    run: ["${NODE}", "-e", "console.error('boom'); process.exit(3)"]
  split:
    description: An é whose two bytes arrive 0.7 s apart (a flush between them), then more than maxOutputBytes
    run: ["${NODE}", "-e", "process.stdout.write(Buffer.from([0xc3])); setTimeout(() => process.stdout.write(Buffer.concat([Buffer.from([0xa9]), Buffer.alloc(6000, 120)])), 700)"]
maxOutputBytes: 4096
env:
  MUSTER_AGENT_TEST: "from the config"
`;

interface RunRow {
  status: string;
  exitCode: number | null;
  error: string | null;
  output: string;
  agentId: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const engine of ENGINES) {
  describe(`muster agent [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.now());
    let dir: string;
    let teamId: string;
    let incidentId: string;
    let agentId: string;
    let agentToken: string;
    let agent: ChildProcess;
    let agentLog = '';
    const strays: number[] = [];
    const children: ChildProcess[] = [];

    const spawnAgent = (tokenFile: string): ChildProcess => {
      const child = spawn(
        NODE,
        [
          '--import',
          'tsx',
          MAIN,
          'agent',
          '--url',
          t.url,
          '--token-file',
          tokenFile,
          '--config',
          join(dir, 'agent.yaml'),
        ],
        {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PARENT_SECRET: 'must not leak' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout?.on('data', (d: Buffer) => (agentLog += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (agentLog += d.toString()));
      return child;
    };

    const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\nagent log:\n${agentLog}`);
        await sleep(100);
      }
    };

    const action = async (command: string, args: string[], timeoutSeconds = 60): Promise<string> => {
      const now = clock.now();
      const id = newId('act', now);
      await t.muster.services.db.kysely
        .insertInto('remediationActions')
        .values({
          id,
          teamId,
          runbookId: null,
          slug: `${command}-${id.slice(-6).toLowerCase()}`,
          name: `Run ${command}`,
          description: '',
          kind: 'agent',
          mode: 'manual',
          config: JSON.stringify({ agentId: null, command, args }),
          // Each {{param.NAME}} an input with a pattern that lets anything printable through: the agent's argv keeps
          // it one literal element, whatever it holds.
          params: JSON.stringify(
            [...args.join(' ').matchAll(/\{\{param\.(\w+)\}\}/g)].map((m) => ({
              name: m[1],
              from: 'input',
              key: m[1],
              pattern: '^.{1,200}$',
              required: true,
            })),
          ),
          secretSealed: null,
          allowPrivateAddress: 0,
          timeoutSeconds,
          autoConditions: '{}',
          rateLimitPerHour: 3,
          enabled: 1,
          createdByUserId: null,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      return id;
    };

    const queue = async (actionId: string, params: Record<string, string> = {}): Promise<string> => {
      const now = clock.now();
      const id = newId('run', now);
      await t.muster.services.db.kysely
        .insertInto('remediationRuns')
        .values({
          id,
          actionId,
          teamId,
          incidentId,
          alertId: null,
          serviceId: null,
          status: 'queued',
          dryRun: 0,
          trigger: 'manual',
          ruleId: null,
          params: JSON.stringify(params),
          requestedByUserId: null,
          requestedByLabel: 'test',
          approvedByUserId: null,
          approvedByLabel: null,
          decidedAt: null,
          decisionNote: null,
          icFlagged: 0,
          agentId: null,
          leaseUntil: null,
          exitCode: null,
          httpStatus: null,
          output: '',
          outputTruncated: 0,
          error: null,
          startedAt: null,
          finishedAt: null,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      return id;
    };

    const runRow = (id: string): Promise<RunRow> =>
      t.muster.services.db.kysely
        .selectFrom('remediationRuns')
        .select(['status', 'exitCode', 'error', 'output', 'agentId'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    const finished = (id: string, ms?: number) =>
      waitFor(
        `run ${id} to finish`,
        async () => {
          const r = await runRow(id);
          return ['queued', 'running'].includes(r.status) ? null : r;
        },
        ms,
      );

    const timeline = async () =>
      (
        await t.api<{ events: { kind: string; body: string; isFlagged: boolean }[] }>(
          'GET',
          `/api/incidents/${incidentId}/timeline`,
        )
      ).body.events.filter((e) => e.kind === 'remediation');

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      dir = mkdtempSync(join(tmpdir(), 'muster-agent-'));
      writeFileSync(join(dir, 'agent.yaml'), CONFIG);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      incidentId = (
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', { title: 'Checkout slow', severity: 'P3' })
      ).body.incident.id;
      const created = await t.api<{ agent: { id: string; tokenPrefix: string }; token: string }>(
        'POST',
        '/api/agents',
        { teamId, name: 'web-1' },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.token, /^mag_/);
      assert.equal(created.body.agent.tokenPrefix, created.body.token.slice(0, 12));
      agentId = created.body.agent.id;
      agentToken = created.body.token;
      writeFileSync(join(dir, 'token'), `${agentToken}\n`, { mode: 0o600 });
      agent = spawnAgent(join(dir, 'token'));
      await waitFor('the agent to connect', async () => {
        const list = await t.api<{ items: { id: string; connected: boolean; commands: string[] }[] }>(
          'GET',
          `/api/agents?teamId=${teamId}`,
        );
        const a = list.body.items.find((x) => x.id === agentId);
        return a?.connected && a.commands.length === 5;
      });
    });

    after(async () => {
      agent?.kill('SIGKILL');
      for (const c of children) c.kill('SIGKILL');
      for (const pid of strays) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await t?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs an allowed command: arguments as literal argv elements, output streamed, exit status on the timeline', async () => {
      const agents = await t.api<{ items: { name: string; commands: string[]; host: string | null }[] }>(
        'GET',
        `/api/agents?teamId=${teamId}`,
      );
      assert.deepEqual(agents.body.items[0]!.commands.sort(), ['echo-args', 'fails', 'long', 'sleepy', 'split']);
      assert.ok(agents.body.items[0]!.host);

      const echo = await action('echo-args', ['{{param.target}}', 'x-{{param.other}}']);
      const run = await queue(echo, { target: '; rm -rf /', other: '$(id) `id` && echo pwned' });
      const r = await finished(run);
      assert.equal(r.status, 'succeeded', JSON.stringify(r));
      assert.equal(r.exitCode, 0);
      assert.equal(r.agentId, agentId);
      // Each argument arrived whole and literal: no shell split, expanded or ran anything.
      assert.match(r.output, /^"; rm -rf \/"$/m);
      assert.match(r.output, /^"x-\$\(id\) `id` && echo pwned"$/m);
      assert.doesNotMatch(r.output, /pwned"?\n.*pwned/);
      // The command saw the config's environment only.
      assert.match(r.output, /^env: MUSTER_AGENT_TEST$/m);
      assert.doesNotMatch(r.output, /PARENT_SECRET/);
      const chunks = await t.muster.services.db.kysely
        .selectFrom('remediationRunOutput')
        .select(['seq', 'stream'])
        .where('runId', '=', run)
        .orderBy('seq')
        .execute();
      assert.ok(chunks.length >= 1);
      assert.deepEqual(
        chunks.map((c) => c.seq),
        chunks.map((_c, i) => i),
      );
      const events = await timeline();
      assert.ok(
        events.some((e) => e.body === 'Action Run echo-args started on agent web-1.'),
        JSON.stringify(events),
      );
      assert.ok(
        events.some((e) => /^Action Run echo-args succeeded \(exit status 0\)\.\n\n"; rm -rf \/"/.test(e.body)),
        JSON.stringify(events),
      );

      const failing = await queue(await action('fails', []));
      const f = await finished(failing);
      assert.equal(f.status, 'failed');
      assert.equal(f.exitCode, 3);
      assert.match(f.output, /boom/);
      assert.ok(
        (await timeline()).some((e) => e.body.startsWith('Action Run fails failed (exit status 3).') && e.isFlagged),
      );
    });

    it('refuses an argument that would pass an option, on the agent', async () => {
      const echo = await action('echo-args', ['{{param.a}}', 'b']);
      const run = await queue(echo, { a: '--eval=process.exit(9)' });
      const r = await finished(run);
      assert.equal(r.status, 'failed');
      assert.equal(r.exitCode, null);
      assert.match(r.error ?? '', /^refused: argument 0 starts with "-"/);
    });

    it('keeps a character split across reads whole, and drops output past maxOutputBytes with a note', async () => {
      const r = await finished(await queue(await action('split', [])));
      assert.equal(r.status, 'succeeded', JSON.stringify(r));
      assert.ok(r.output.startsWith('é'), JSON.stringify(r.output.slice(0, 20)));
      assert.ok(!r.output.includes('\uFFFD'), 'no replacement character');
      assert.match(r.output, /output past 4096 bytes was dropped/);
      assert.equal(r.output.split('x').length - 1, 4096 - 2, 'the é takes 2 of the 4096 bytes kept');
    });

    it('kills the whole process group at the timeout: the run ends timed_out', async () => {
      const run = await queue(await action('sleepy', [], 600));
      const r = await finished(run);
      assert.equal(r.status, 'timed_out', JSON.stringify(r));
      assert.match(r.output, /ran past its timeout of 1 s/);
      const [, parent, child] = /pids (\d+) (\d+)/.exec(r.output) ?? [];
      assert.ok(parent && child, r.output);
      strays.push(Number(parent));
      await waitFor(
        'the command and its child to be gone',
        async () => !alive(Number(parent)) && !alive(Number(child)),
      );
    });

    it('refuses to queue a command the agent did not report: 409 command_not_allowed', async () => {
      await assert.rejects(
        checkAgentCommand(t.muster.services.db.kysely, { teamId, agentId: null, command: 'rm' }),
        (e: { status?: number; code?: string; message: string }) =>
          e.status === 409 && e.code === 'command_not_allowed' && /"rm"/.test(e.message),
      );
      await assert.rejects(
        checkAgentCommand(t.muster.services.db.kysely, { teamId, agentId, command: 'rm' }),
        /not in the allow-list of agent web-1/,
      );
      await checkAgentCommand(t.muster.services.db.kysely, { teamId, agentId, command: 'echo-args' });
      // A run of it queued anyway (by the table) is never handed to the agent.
      const run = await queue(await action('rm', ['-rf', '/']));
      await sleep(2500);
      assert.equal((await runRow(run)).status, 'queued');
      await t.muster.services.db.kysely
        .updateTable('remediationRuns')
        .set({ status: 'cancelled' })
        .where('id', '=', run)
        .execute();
    });

    it('a run whose agent is killed mid-run ends failed when its lease runs out, visibly', async () => {
      const run = await queue(await action('long', [], 600));
      const running = await waitFor('the run to start', async () => {
        const r = await runRow(run);
        return r.status === 'running' && /pgid (\d+)/.exec(r.output);
      });
      strays.push(Number(running[1]));
      agent.kill('SIGKILL');
      await new Promise((r) => agent.once('exit', r));
      assert.equal((await runRow(run)).status, 'running', 'nothing ends it before the lease runs out');
      clock.advance(31_000);
      const r = await finished(run);
      assert.equal(r.status, 'failed');
      assert.equal(r.error, 'the agent stopped answering');
      assert.ok(
        (await timeline()).some(
          (e) => e.body.startsWith('Action Run long failed: the agent stopped answering') && e.isFlagged,
        ),
      );
    });

    it('a revoked agent gets 401 and stops', async () => {
      const second = await t.api<{ agent: { id: string }; token: string }>('POST', '/api/agents', {
        teamId,
        name: 'web-2',
      });
      writeFileSync(join(dir, 'token2'), second.body.token, { mode: 0o600 });
      agentLog = '';
      const child = spawnAgent(join(dir, 'token2'));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      children.push(child);
      await waitFor('web-2 to connect', async () => {
        const list = await t.api<{ items: { id: string; connected: boolean }[] }>(
          'GET',
          `/api/agents?teamId=${teamId}`,
        );
        return list.body.items.find((a) => a.id === second.body.agent.id)?.connected;
      });
      assert.equal((await t.api('DELETE', `/api/agents/${second.body.agent.id}`)).status, 204);
      const poll = await t.api<{ error: { code: string } }>(
        'POST',
        '/api/agent/v1/poll',
        { commands: [], host: 'x', version: '1' },
        second.body.token,
      );
      assert.equal(poll.status, 401);
      assert.equal(await exited, 3, agentLog);
      assert.match(agentLog, /refused the agent token/);
      // A user's API token is no agent token either.
      assert.equal((await t.api('POST', '/api/agent/v1/poll', { commands: [], host: 'x', version: '1' })).status, 401);
      const listed = await t.api<{ items: { id: string; revokedAt: string | null; connected: boolean }[] }>(
        'GET',
        `/api/agents?teamId=${teamId}`,
      );
      const web2 = listed.body.items.find((a) => a.id === second.body.agent.id)!;
      assert.ok(web2.revokedAt);
      assert.equal(web2.connected, false);
    });
  });
}
