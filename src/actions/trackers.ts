/**
 * External trackers: a team connects GitHub Issues, GitLab or Jira Cloud (one connection per provider), and an action item's
 * issue is created there through the provider's REST API (a durable job: src/actions/jobs.ts).
 *
 * - GitHub: `POST {base}/repos/{owner}/{repo}/issues` with a Bearer token, `Accept: application/vnd.github+json`
 *   and `X-GitHub-Api-Version: 2022-11-28` → 201 `{ number, html_url }`
 *   (https://docs.github.com/en/rest/issues/issues#create-an-issue).
 * - GitLab (gitlab.com by default, or a self-managed GitLab by its base URL):
 *   `POST {base}/api/v4/projects/{url-encoded project path}/issues` with `PRIVATE-TOKEN`, JSON `{ title, description,
 *   labels }` → 201 `{ id, iid, web_url, state: 'opened' }`; the key is `{project path}#{iid}`
 *   (https://docs.gitlab.com/ee/api/issues.html#new-issue).
 * - Jira Cloud: `POST {base}/rest/api/3/issue` with basic auth (email:API token), `fields.project.key`,
 *   `fields.issuetype.name`, `fields.summary` and `fields.description` in Atlassian Document Format → 201
 *   `{ id, key, self }`; the browser URL is `{base}/browse/{key}`
 *   (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
 *
 * The token is sealed with the instance secret when stored and opened only for the send; it is never returned or
 * logged. A base URL goes through the private-address guard when given and when used, as contact methods' URLs do
 * (an organisation administrator may allow a private one: a self-hosted GitHub Enterprise, GitLab or Jira behind the
 * VPN).
 */
import type { Db, Executor } from '../db/index.js';
import type { Bool } from '../db/schema.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { httpRequest, requireOk, type HttpResult } from '../notify/channel.js';
import type { Clock } from '../shared/clock.js';
import { AppError, forbidden, isAppError, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { outboundUrlProblem, type ResolveAll } from '../shared/net.js';
import { isProvider, PROVIDER_NAMES, type Provider } from './model.js';
import { findConnectionRow, listConnectionRows, type TrackerConnectionRow } from './repo.js';

export const GITHUB_API = 'https://api.github.com';
/** GitLab.com; a self-managed GitLab is named by its own base URL. */
export const GITLAB_URL = 'https://gitlab.com';
const TRACKER_TIMEOUT_MS = 15_000;

export interface TrackerConnection {
  teamId: string;
  provider: Provider;
  baseUrl: string;
  project: string;
  issueType: string | null;
  username: string | null;
  allowPrivateAddress: boolean;
  hasToken: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PutConnectionInput {
  baseUrl?: string | undefined;
  project: string;
  issueType?: string | null | undefined;
  username?: string | null | undefined;
  token?: string | undefined;
  allowPrivateAddress?: boolean | undefined;
}

/** Sealing with the instance secret (ActionLinkService.seal and its opening), injected by the composition root. */
export interface Sealer {
  seal(text: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

const toConnection = (r: TrackerConnectionRow): TrackerConnection => ({
  teamId: r.teamId,
  provider: r.provider as Provider,
  baseUrl: r.baseUrl,
  project: r.project,
  issueType: r.issueType,
  username: r.username,
  allowPrivateAddress: r.allowPrivateAddress === 1,
  hasToken: r.tokenSealed !== '',
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const trackerNotConnected = (provider: string): AppError =>
  new AppError('tracker_not_connected', `The team has no ${provider} tracker connected.`, { status: 404 });

const DEFAULT_BASE: Record<Provider, string> = { github: GITHUB_API, gitlab: GITLAB_URL, jira: '' };

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function providerOf(provider: string): Provider {
  if (!isProvider(provider)) throw validationError([{ field: 'provider', message: 'must be github, gitlab or jira' }]);
  return provider;
}

function connectionProblems(provider: Provider, input: PutConnectionInput, hasToken: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (provider === 'github' && !/^[\w.-]+\/[\w.-]+$/.test(input.project)) {
    problems.push({ field: 'project', message: 'must be the repository as owner/repo' });
  }
  if (provider === 'gitlab' && !/^[\w.-]+(?:\/[\w.-]+)+$/.test(input.project)) {
    problems.push({ field: 'project', message: 'must be the project path as group/project (subgroups allowed)' });
  }
  if (provider === 'jira') {
    if (!/^[A-Z][A-Z0-9_]{0,49}$/.test(input.project)) {
      problems.push({ field: 'project', message: 'must be the Jira project key (capital letters and digits)' });
    }
    if (!input.baseUrl)
      problems.push({ field: 'baseUrl', message: 'give your Jira site, e.g. https://you.atlassian.net' });
    if (!input.username?.trim()) {
      problems.push({ field: 'username', message: "give the email address of the token's Atlassian account" });
    }
  }
  if (!hasToken && !input.token) problems.push({ field: 'token', message: 'give an API token' });
  return problems;
}

/** Team admins connect and disconnect their team's trackers (the route's policy is admin@team). */
export class TrackerService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      teams: TeamService;
      sealer: Sealer;
      resolve?: ResolveAll | undefined;
    },
  ) {}

  async list(teamId: string): Promise<TrackerConnection[]> {
    return (await listConnectionRows(this.deps.db.kysely, teamId)).map(toConnection);
  }

  async get(teamId: string, provider: string): Promise<TrackerConnection> {
    const row = await findConnectionRow(this.deps.db.kysely, teamId, providerOf(provider));
    if (!row) throw trackerNotConnected(provider);
    return toConnection(row);
  }

  async put(
    actor: Actor,
    teamRef: string,
    providerName: string,
    input: PutConnectionInput,
  ): Promise<TrackerConnection> {
    const provider = providerOf(providerName);
    const team = await this.deps.teams.get(actor, teamRef);
    if (!(await this.deps.teams.hasRole(actor, team.id, 'admin')))
      throw forbidden('This needs the admin role in the team.');
    const current = await findConnectionRow(this.deps.db.kysely, team.id, provider);
    const problems = connectionProblems(provider, input, current !== null);
    if (input.baseUrl !== undefined && !isHttpUrl(input.baseUrl)) {
      problems.push({ field: 'baseUrl', message: 'must be an http(s) URL' });
    }
    if (problems.length) throw validationError(problems);
    const baseUrl = (input.baseUrl ?? current?.baseUrl ?? DEFAULT_BASE[provider]).replace(/\/+$/, '');
    const allowPrivateAddress = await this.guard(actor, baseUrl, {
      requested: input.allowPrivateAddress,
      current: current?.allowPrivateAddress === 1,
      isChecked: input.baseUrl !== undefined && (current === null || current.baseUrl !== baseUrl),
    });
    const tokenSealed = input.token ? await this.deps.sealer.seal(input.token) : current!.tokenSealed;
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const privateFlag: Bool = allowPrivateAddress ? 1 : 0;
      const values = {
        baseUrl,
        project: input.project,
        issueType: provider === 'jira' ? input.issueType?.trim() || 'Task' : null,
        username: provider === 'jira' ? (input.username?.trim() ?? null) : null,
        tokenSealed,
        allowPrivateAddress: privateFlag,
        updatedAt: now,
      };
      if (current) {
        await trx.updateTable('trackerConnections').set(values).where('id', '=', current.id).execute();
      } else {
        await trx
          .insertInto('trackerConnections')
          .values({ id: newId('trk', now), teamId: team.id, provider, createdAt: now, ...values })
          .execute();
      }
      await recordAudit(
        trx,
        actor,
        current ? 'tracker.updated' : 'tracker.connected',
        { type: 'team', id: team.id },
        { provider, baseUrl, project: input.project, tokenChanged: Boolean(input.token), allowPrivateAddress },
        now,
      );
    });
    return this.get(team.id, provider);
  }

  async remove(actor: Actor, teamRef: string, providerName: string): Promise<void> {
    const provider = providerOf(providerName);
    const team = await this.deps.teams.get(actor, teamRef);
    if (!(await this.deps.teams.hasRole(actor, team.id, 'admin')))
      throw forbidden('This needs the admin role in the team.');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('trackerConnections')
        .where('teamId', '=', team.id)
        .where('provider', '=', provider)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw trackerNotConnected(provider);
      await recordAudit(trx, actor, 'tracker.disconnected', { type: 'team', id: team.id }, { provider }, now);
    });
  }

  /**
   * The private-address guard when a base URL is given (as contact methods do it, src/notify/service.ts): a public
   * URL is accepted; a private one only from an organisation administrator, who means it. Returns whether the
   * connection may reach private addresses when used.
   */
  private async guard(
    actor: Actor,
    url: string,
    opts: { requested: boolean | undefined; current: boolean; isChecked: boolean },
  ): Promise<boolean> {
    if (opts.requested === true && !actor.isAdmin) {
      throw forbidden('Only an administrator may allow a tracker at a private address.');
    }
    if (!opts.isChecked && opts.requested === undefined) return opts.current;
    const problem = await outboundUrlProblem(url, this.deps.resolve);
    if (!problem) return actor.isAdmin && opts.requested === true;
    if (actor.isAdmin && opts.requested !== false) return true;
    throw validationError([{ field: 'baseUrl', message: problem }]);
  }
}

/** What a tracker issue says. */
export interface IssueContent {
  title: string;
  description: string;
  /** The item in Muster. */
  url: string;
  /** An action item's priority, kind and due date (an incident's ticket has none). */
  priority?: string | undefined;
  kind?: string | undefined;
  dueAt?: number | undefined;
  /** The words before the link back (default "Action item in Muster"). */
  linkLabel?: string | undefined;
}

export interface ConnectionForSend {
  provider: Provider;
  baseUrl: string;
  project: string;
  issueType: string | null;
  username: string | null;
  token: string;
  allowPrivateAddress: boolean;
}

export interface CreatedIssue {
  provider: Provider;
  key: string;
  url: string;
}

/** "Priority: high. Kind: prevent. Due: 2026-12-14." for an action item; null for an incident's ticket. */
function factsLine(issue: IssueContent): string | null {
  if (issue.priority === undefined || issue.kind === undefined || issue.dueAt === undefined) return null;
  const due = new Date(issue.dueAt).toISOString().slice(0, 10);
  return `Priority: ${issue.priority}. Kind: ${issue.kind}. Due: ${due}.`;
}

const linkLabelOf = (issue: IssueContent): string => issue.linkLabel ?? 'Action item in Muster';

function plainBody(issue: IssueContent): string {
  const head = issue.description.trim();
  const facts = factsLine(issue);
  return `${head ? `${head}\n\n` : ''}${facts ? `${facts}\n\n` : ''}${linkLabelOf(issue)}: ${issue.url}`;
}

/** Atlassian Document Format: one paragraph per block of text, and a link back to Muster. */
export function toAdf(issue: IssueContent): unknown {
  const facts = factsLine(issue);
  const paragraphs = issue.description
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] }));
  return {
    type: 'doc',
    version: 1,
    content: [
      ...paragraphs,
      ...(facts ? [{ type: 'paragraph', content: [{ type: 'text', text: facts }] }] : []),
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: `${linkLabelOf(issue)}: ` },
          { type: 'text', text: issue.url, marks: [{ type: 'link', attrs: { href: issue.url } }] },
        ],
      },
    ],
  };
}

/**
 * What was wrong, in the tracker's words: GitHub `message` and `errors`, Jira `errorMessages` and `errors`, GitLab
 * `message` (a string, or an object of field → messages) or `error`.
 */
function describeFailure(r: HttpResult): string {
  const j = r.json as { message?: unknown; errorMessages?: unknown; errors?: unknown; error?: unknown } | null;
  const parts: string[] = [];
  if (j && typeof j.message === 'string') parts.push(j.message);
  else if (j && j.message && typeof j.message === 'object') parts.push(JSON.stringify(j.message));
  if (j && typeof j.error === 'string') parts.push(j.error);
  if (j && Array.isArray(j.errorMessages)) parts.push(...j.errorMessages.filter((m) => typeof m === 'string'));
  if (j && j.errors && typeof j.errors === 'object') parts.push(JSON.stringify(j.errors));
  return (parts.join('; ') || r.text).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * One request to the connection's tracker (the private-address guard unless an administrator allowed the address);
 * throws a DeliveryError unless 2xx: permanent for 4xx, transient for 5xx, 429 (after its Retry-After) and the
 * unreachable.
 */
async function trackerRequest(
  conn: ConnectionForSend,
  method: 'GET' | 'POST',
  url: string,
  body: unknown,
  opts: { resolve?: ResolveAll | undefined; timeoutMs?: number | undefined },
): Promise<HttpResult> {
  const name = PROVIDER_NAMES[conn.provider];
  const r = await httpRequest(name, url, {
    method,
    timeoutMs: opts.timeoutMs ?? TRACKER_TIMEOUT_MS,
    ...(conn.allowPrivateAddress ? {} : { publicOnly: { resolve: opts.resolve } }),
    headers: {
      ...TRACKER_APIS[conn.provider].headers(conn),
      'user-agent': 'Muster',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  requireOk(name, r, describeFailure);
  return r;
}

const badAnswer = (conn: ConnectionForSend, what: string): AppError =>
  new AppError('tracker_bad_answer', `${PROVIDER_NAMES[conn.provider]} answered without ${what}.`, { status: 502 });

/** GitLab's projects API names a project by its URL-encoded full path (`acme%2Finfra%2Fapi`). */
const gitlabProject = (conn: ConnectionForSend, path: string): string =>
  `${conn.baseUrl}/api/v4/projects/${encodeURIComponent(path)}`;

/** GitHub and GitLab keys are `<repository or project path>#<number>`. */
function splitKey(conn: ConnectionForSend, key: string): { path: string; number: string } {
  const m = /^(.+)#(\d+)$/.exec(key);
  if (!m)
    throw new AppError(
      'tracker_bad_key',
      `${key} is not a ${PROVIDER_NAMES[conn.provider]} issue key (${conn.provider === 'github' ? 'owner/repo' : 'group/project'}#number).`,
      { status: 400 },
    );
  return { path: m[1]!, number: m[2]! };
}

const githubRepo = (conn: ConnectionForSend, path: string): string => {
  const [owner, repo] = path.split('/') as [string, string];
  return `${conn.baseUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo ?? '')}`;
};

/** GitLab labels (comma-separated; GitLab creates a label it does not have): where the issue came from. */
function gitlabLabels(issue: IssueContent): string {
  return issue.priority !== undefined ? `muster,action item,priority::${issue.priority}` : 'muster,incident';
}

export interface IssueState {
  /** The tracker's word: GitHub `open`/`closed` (with its reason), GitLab's `opened` as `open`, the Jira status name. */
  state: string;
  /** GitHub and GitLab closed; Jira's status category `done`. */
  isClosed: boolean;
}

/**
 * One tracker's REST API: its authentication and media type, where an issue is created and what with, where one is
 * read, and what its answers mean (each answer checked: a missing field is 502 tracker_bad_answer). createIssue and
 * fetchIssueState send through trackerRequest with these.
 */
interface TrackerApi {
  headers(conn: ConnectionForSend): Record<string, string>;
  create(conn: ConnectionForSend, issue: IssueContent): { url: string; body: unknown };
  created(conn: ConnectionForSend, json: unknown): CreatedIssue;
  /** Where the issue with `key` is read (a key not of this tracker's form is 400 tracker_bad_key). */
  issueUrl(conn: ConnectionForSend, key: string): string;
  state(conn: ConnectionForSend, json: unknown): IssueState;
}

const TRACKER_APIS: Record<Provider, TrackerApi> = {
  github: {
    headers: (conn) => ({
      authorization: `Bearer ${conn.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    }),
    create: (conn, issue) => ({
      url: `${githubRepo(conn, conn.project)}/issues`,
      body: { title: issue.title, body: plainBody(issue) },
    }),
    created: (conn, json) => {
      const j = json as { number?: unknown; html_url?: unknown } | null;
      if (typeof j?.number !== 'number' || typeof j.html_url !== 'string')
        throw badAnswer(conn, 'an issue number and URL');
      return { provider: 'github', key: `${conn.project}#${j.number}`, url: j.html_url };
    },
    issueUrl: (conn, key) => {
      const { path, number } = splitKey(conn, key);
      return `${githubRepo(conn, path)}/issues/${number}`;
    },
    state: (conn, json) => {
      const j = json as { state?: unknown; state_reason?: unknown } | null;
      if (j?.state !== 'open' && j?.state !== 'closed') throw badAnswer(conn, 'the issue state');
      const reason =
        typeof j.state_reason === 'string' && j.state === 'closed' ? ` (${j.state_reason.replace(/_/g, ' ')})` : '';
      return { state: `${j.state}${reason}`, isClosed: j.state === 'closed' };
    },
  },
  gitlab: {
    headers: (conn) => ({ 'private-token': conn.token, accept: 'application/json' }),
    // https://docs.gitlab.com/ee/api/issues.html#new-issue: 201 { id, iid, web_url, state: 'opened', ... }
    create: (conn, issue) => ({
      url: `${gitlabProject(conn, conn.project)}/issues`,
      body: { title: issue.title.slice(0, 255), description: plainBody(issue), labels: gitlabLabels(issue) },
    }),
    created: (conn, json) => {
      const j = json as { iid?: unknown; web_url?: unknown } | null;
      if (typeof j?.iid !== 'number' || typeof j.web_url !== 'string') throw badAnswer(conn, 'an issue iid and URL');
      return { provider: 'gitlab', key: `${conn.project}#${j.iid}`, url: j.web_url };
    },
    issueUrl: (conn, key) => {
      const { path, number } = splitKey(conn, key);
      return `${gitlabProject(conn, path)}/issues/${number}`;
    },
    state: (conn, json) => {
      const j = json as { state?: unknown } | null;
      if (j?.state !== 'opened' && j?.state !== 'closed') throw badAnswer(conn, 'the issue state');
      // GitLab says `opened`; the ticket says `open` as for GitHub, so the first refresh records no change of state.
      return { state: j.state === 'opened' ? 'open' : 'closed', isClosed: j.state === 'closed' };
    },
  },
  jira: {
    headers: (conn) => ({
      authorization: `Basic ${Buffer.from(`${conn.username ?? ''}:${conn.token}`, 'utf8').toString('base64')}`,
      accept: 'application/json',
    }),
    create: (conn, issue) => ({
      url: `${conn.baseUrl}/rest/api/3/issue`,
      body: {
        fields: {
          project: { key: conn.project },
          issuetype: { name: conn.issueType ?? 'Task' },
          summary: issue.title.slice(0, 255),
          description: toAdf(issue),
        },
      },
    }),
    created: (conn, json) => {
      const j = json as { key?: unknown; self?: unknown } | null;
      if (typeof j?.key !== 'string') throw badAnswer(conn, 'an issue key');
      return { provider: 'jira', key: j.key, url: `${conn.baseUrl}/browse/${j.key}` };
    },
    issueUrl: (conn, key) => `${conn.baseUrl}/rest/api/3/issue/${encodeURIComponent(key)}?fields=status`,
    state: (conn, json) => {
      const status = (json as { fields?: { status?: { name?: unknown; statusCategory?: { key?: unknown } } } } | null)
        ?.fields?.status;
      if (typeof status?.name !== 'string') throw badAnswer(conn, 'the issue status');
      return { state: status.name, isClosed: status.statusCategory?.key === 'done' };
    },
  },
};

/** Create the issue; throws a DeliveryError (permanent for 4xx, transient for 5xx, 429 and the unreachable). */
export async function createIssue(
  conn: ConnectionForSend,
  issue: IssueContent,
  opts: { resolve?: ResolveAll | undefined; timeoutMs?: number } = {},
): Promise<CreatedIssue> {
  const api = TRACKER_APIS[conn.provider];
  const { url, body } = api.create(conn, issue);
  const r = await trackerRequest(conn, 'POST', url, body, opts);
  return api.created(conn, r.json);
}

/**
 * Read an issue's state (the incident ticket's refresh job):
 * - GitHub `GET {base}/repos/{owner}/{repo}/issues/{number}` → `{ state: 'open' | 'closed', state_reason }`
 *   (https://docs.github.com/en/rest/issues/issues#get-an-issue);
 * - GitLab `GET {base}/api/v4/projects/{url-encoded path}/issues/{iid}` → `{ state: 'opened' | 'closed' }`
 *   (https://docs.gitlab.com/ee/api/issues.html#single-project-issue);
 * - Jira `GET {base}/rest/api/3/issue/{key}?fields=status` → `{ fields: { status: { name, statusCategory: { key } } } }`
 *   where the category key is `new`, `indeterminate` or `done`
 *   (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get).
 * Throws a DeliveryError as createIssue does.
 */
export async function fetchIssueState(
  conn: ConnectionForSend,
  key: string,
  opts: { resolve?: ResolveAll | undefined; timeoutMs?: number } = {},
): Promise<IssueState> {
  const api = TRACKER_APIS[conn.provider];
  const r = await trackerRequest(conn, 'GET', api.issueUrl(conn, key), undefined, opts);
  return api.state(conn, r.json);
}

/**
 * The team's connection to `provider`, its token opened, for one send (null: not connected): the send step of both
 * tracker jobs (sendTrackerIssue) and the ticket's state refresh.
 */
export async function connectionForSend(
  ex: Executor,
  sealer: Sealer,
  teamId: string,
  provider: string,
): Promise<ConnectionForSend | null> {
  if (!isProvider(provider)) return null;
  const conn = await findConnectionRow(ex, teamId, provider);
  if (!conn) return null;
  return {
    provider,
    baseUrl: conn.baseUrl,
    project: conn.project,
    issueType: conn.issueType,
    username: conn.username,
    token: await sealer.open(conn.tokenSealed),
    allowPrivateAddress: conn.allowPrivateAddress === 1,
  };
}

/** What a tracker job records when the team no longer has the tracker connected. */
export const notConnectedMessage = (provider: string): string => `The team's ${provider} tracker is not connected.`;

/**
 * The send step of both tracker jobs (an action item's issue, an incident's ticket), after the claim and before the
 * record, outside any transaction: open the team's connection to `provider`, read what the issue says, create it.
 * A failure goes to `recordFailure` to be written where owners see it: failed when the tracker is not connected (then
 * the answer is null: nothing to retry, the job completes), when the tracker refused or attempts ran out; pending
 * while retries remain. A send's error is thrown again, so the job retries or dies as it says.
 */
export async function sendTrackerIssue(
  deps: { db: Db; sealer: Sealer; resolve?: ResolveAll | undefined },
  job: { attempts: number; maxAttempts: number },
  to: { teamId: string; provider: string },
  content: () => Promise<IssueContent>,
  recordFailure: (status: 'pending' | 'failed', message: string) => Promise<void>,
): Promise<CreatedIssue | null> {
  const conn = await connectionForSend(deps.db.kysely, deps.sealer, to.teamId, to.provider);
  if (!conn) {
    await recordFailure('failed', notConnectedMessage(to.provider));
    return null;
  }
  const issue = await content();
  try {
    return await createIssue(conn, issue, { resolve: deps.resolve });
  } catch (e) {
    const isLast = (isAppError(e) && e.isPermanent) || job.attempts >= job.maxAttempts;
    await recordFailure(isLast ? 'failed' : 'pending', e instanceof Error ? e.message : String(e));
    throw e;
  }
}
