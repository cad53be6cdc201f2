/**
 * Local stand-ins for the three issue trackers Muster creates action items' issues in, speaking the documented request
 * and response shapes (real HTTP servers, on the shared StandIn base: recording and fault injection):
 *
 * - GitHub REST "Create an issue" (https://docs.github.com/en/rest/issues/issues#create-an-issue):
 *   `POST /repos/{owner}/{repo}/issues`, `Authorization: Bearer <token>`, `Accept: application/vnd.github+json`,
 *   `X-GitHub-Api-Version: 2022-11-28`, JSON `{ title, body? }` → 201 `{ id, number, html_url, url, title, body,
 *   state }`; 401 `{ message: 'Bad credentials' }`; 404 for an unknown repository; 422 `Validation Failed` with
 *   `errors` for a missing title.
 * - Jira Cloud REST v3 "Create issue"
 *   (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post):
 *   `POST /rest/api/3/issue`, basic auth `email:api_token`, JSON `{ fields: { project: { key }, issuetype: { name },
 *   summary, description } }` where description is an Atlassian Document (`{ type: 'doc', version: 1, content }`)
 *   → 201 `{ id, key, self }`; 401; 400 `{ errorMessages, errors: { field: message } }`.
 *
 * - GitLab REST v4 "New issue" (https://docs.gitlab.com/ee/api/issues.html#new-issue):
 *   `POST /api/v4/projects/{id}/issues` where `{id}` is the URL-encoded project path (`acme%2Fplatform`),
 *   `PRIVATE-TOKEN: <token>`, JSON `{ title, description?, labels? }` (labels comma-separated) → 201 `{ id, iid,
 *   project_id, title, description, state: 'opened', labels, web_url, references }`; 401 `{ message: '401 Unauthorized' }`;
 *   404 `{ message: '404 Project Not Found' }`; 400 `{ error: 'title is missing' }`; and, when told to rate-limit,
 *   429 `Retry later` with `Retry-After` and the `RateLimit-*` headers
 *   (https://docs.gitlab.com/ee/user/gitlab_com/index.html#gitlabcom-specific-rate-limits).
 *
 * All three also answer "Get an issue" (GitHub `GET /repos/{owner}/{repo}/issues/{number}` → `state`, `state_reason`; Jira
 * `GET /rest/api/3/issue/{key}` → `fields.status` with its `statusCategory`; GitLab
 * `GET /api/v4/projects/{id}/issues/{iid}` → `state: 'opened' | 'closed'`), for an incident ticket's state, and let
 * a test close or move an issue as a person would (`setState`, `transition`).
 */
import { StandIn, type RecordedRequest, type Reply } from './standins/base.js';

function json(req: RecordedRequest): unknown {
  try {
    return JSON.parse(req.body) as unknown;
  } catch {
    return undefined;
  }
}

export interface CreatedGithubIssue {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
}

export class GithubStandIn extends StandIn {
  readonly issues: CreatedGithubIssue[] = [];

  /** `token`: the only token it accepts; `repos`: the repositories that exist (owner/repo). */
  constructor(
    readonly token: string,
    readonly repos: string[] = ['acme/platform'],
  ) {
    super((req) => this.answer(req));
  }

  /** Close (or reopen) an issue as a person would on GitHub: the next "Get an issue" says so. */
  setState(number: number, state: 'open' | 'closed', stateReason: string | null = null): void {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no issue #${number}`);
    issue.state = state;
    issue.stateReason = state === 'closed' ? (stateReason ?? 'completed') : stateReason;
  }

  /** "Get an issue" (https://docs.github.com/en/rest/issues/issues#get-an-issue): 200 with state and state_reason. */
  private getIssue(req: RecordedRequest, m: RegExpExecArray, docs: string): Reply {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: docs } };
    }
    const [owner, repo, number] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), Number(m[3])];
    const issue = this.issues.find((i) => i.owner === owner && i.repo === repo && i.number === number);
    if (!issue) return { status: 404, body: { message: 'Not Found', documentation_url: docs } };
    return {
      status: 200,
      body: {
        id: 1000 + number,
        number,
        url: `${this.url}/repos/${owner}/${repo}/issues/${number}`,
        html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
        title: issue.title,
        body: issue.body,
        state: issue.state,
        state_reason: issue.stateReason,
      },
    };
  }

  private answer(req: RecordedRequest): Reply {
    const docs = 'https://docs.github.com/rest';
    const path = req.path.split('?')[0] ?? '';
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (one && req.method === 'GET') return this.getIssue(req, one, docs);
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path);
    if (!m || req.method !== 'POST') return { status: 404, body: { message: 'Not Found', documentation_url: docs } };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: docs } };
    }
    if (!req.headers['user-agent']) {
      return {
        status: 403,
        body: {
          message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
        },
      };
    }
    if (req.headers.accept !== 'application/vnd.github+json') {
      return { status: 415, body: { message: 'Unsupported Accept header', documentation_url: docs } };
    }
    if (req.headers['x-github-api-version'] !== '2022-11-28') {
      return { status: 400, body: { message: 'Unsupported API version', documentation_url: docs } };
    }
    const [owner, repo] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    if (!this.repos.includes(`${owner}/${repo}`))
      return { status: 404, body: { message: 'Not Found', documentation_url: docs } };
    const body = json(req) as { title?: unknown; body?: unknown } | undefined;
    if (!body || typeof body.title !== 'string' || body.title === '') {
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          documentation_url: docs,
        },
      };
    }
    const number = this.issues.length + 1;
    this.issues.push({
      owner,
      repo,
      number,
      title: body.title,
      body: typeof body.body === 'string' ? body.body : null,
      state: 'open',
      stateReason: null,
    });
    return {
      status: 201,
      body: {
        id: 1000 + number,
        number,
        url: `${this.url}/repos/${owner}/${repo}/issues/${number}`,
        html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
        title: body.title,
        body: body.body ?? null,
        state: 'open',
      },
    };
  }
}

export interface CreatedJiraIssue {
  key: string;
  project: string;
  issueType: string;
  summary: string;
  description: unknown;
  /** The workflow status and its category (`new`, `indeterminate`, `done`). */
  status: { name: string; category: 'new' | 'indeterminate' | 'done' };
}

export class JiraStandIn extends StandIn {
  readonly issues: CreatedJiraIssue[] = [];

  constructor(
    readonly email: string,
    readonly apiToken: string,
    readonly projects: string[] = ['OPS'],
    readonly issueTypes: string[] = ['Task', 'Bug', 'Story'],
  ) {
    super((req) => this.answer(req));
  }

  /** Move an issue through the workflow as a person would in Jira. */
  transition(key: string, name: string, category: 'new' | 'indeterminate' | 'done'): void {
    const issue = this.issues.find((i) => i.key === key);
    if (!issue) throw new Error(`no issue ${key}`);
    issue.status = { name, category };
  }

  private answer(req: RecordedRequest): Reply {
    const path = req.path.split('?')[0] ?? '';
    const one = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
    if (one && req.method === 'GET') {
      // "Get issue": 200 { id, key, self, fields: { status: { name, statusCategory: { key, name } } } }; 404.
      const expected = `Basic ${Buffer.from(`${this.email}:${this.apiToken}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        return {
          status: 401,
          body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} },
        };
      }
      const issue = this.issues.find((i) => i.key === decodeURIComponent(one[1]!));
      if (!issue) {
        return {
          status: 404,
          body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
        };
      }
      const n = Number(issue.key.split('-').pop());
      const categoryName = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' }[issue.status.category];
      return {
        status: 200,
        body: {
          id: String(10000 + n),
          key: issue.key,
          self: `${this.url}/rest/api/3/issue/${10000 + n}`,
          fields: {
            status: { name: issue.status.name, statusCategory: { key: issue.status.category, name: categoryName } },
          },
        },
      };
    }
    if (path !== '/rest/api/3/issue' || req.method !== 'POST') {
      return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
    }
    const expected = `Basic ${Buffer.from(`${this.email}:${this.apiToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return {
        status: 401,
        body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} },
      };
    }
    const body = json(req) as { fields?: Record<string, unknown> } | undefined;
    const fields = body?.fields;
    if (!fields || typeof fields !== 'object') {
      return { status: 400, body: { errorMessages: ['Fields are required.'], errors: {} } };
    }
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    if (typeof project !== 'string' || !this.projects.includes(project)) errors.project = 'valid project is required';
    const issueType = (fields.issuetype as { name?: unknown } | undefined)?.name;
    if (typeof issueType !== 'string' || !this.issueTypes.includes(issueType)) {
      errors.issuetype = 'valid issue type is required';
    }
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '') {
      errors.summary = 'You must specify a summary of the issue.';
    }
    const d = fields.description as { type?: unknown; version?: unknown; content?: unknown } | undefined;
    if (d !== undefined && (d?.type !== 'doc' || d.version !== 1 || !Array.isArray(d.content))) {
      errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    }
    if (Object.keys(errors).length) return { status: 400, body: { errorMessages: [], errors } };
    const n = this.issues.length + 1;
    const key = `${project as string}-${n}`;
    this.issues.push({
      key,
      project: project as string,
      issueType: issueType as string,
      summary: fields.summary as string,
      description: d,
      status: { name: 'To Do', category: 'new' },
    });
    return { status: 201, body: { id: String(10000 + n), key, self: `${this.url}/rest/api/3/issue/${10000 + n}` } };
  }
}

export interface CreatedGitlabIssue {
  project: string;
  iid: number;
  title: string;
  description: string | null;
  labels: string[];
  state: 'opened' | 'closed';
}

export class GitlabStandIn extends StandIn {
  readonly issues: CreatedGitlabIssue[] = [];
  private limited = 0;
  private retryAfterSeconds = 1;

  /** `token`: the only personal/project access token it accepts; `projects`: the project paths that exist. */
  constructor(
    readonly token: string,
    readonly projects: string[] = ['acme/platform'],
  ) {
    super((req) => this.answer(req));
  }

  /** Answer the next `times` requests 429 with Retry-After, as GitLab's rate limiter does. */
  rateLimit(times: number, retryAfterSeconds = 1): void {
    this.limited = times;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Close (or reopen) an issue as a person would in GitLab. */
  setState(project: string, iid: number, state: 'opened' | 'closed'): void {
    const issue = this.issues.find((i) => i.project === project && i.iid === iid);
    if (!issue) throw new Error(`no issue ${project}#${iid}`);
    issue.state = state;
  }

  private present(issue: CreatedGitlabIssue): Record<string, unknown> {
    const projectId = this.projects.indexOf(issue.project) + 1;
    return {
      id: projectId * 1000 + issue.iid,
      iid: issue.iid,
      project_id: projectId,
      title: issue.title,
      description: issue.description,
      state: issue.state,
      labels: issue.labels,
      web_url: `${this.url}/${issue.project}/-/issues/${issue.iid}`,
      references: { short: `#${issue.iid}`, full: `${issue.project}#${issue.iid}` },
    };
  }

  private answer(req: RecordedRequest): Reply {
    if (this.limited > 0) {
      this.limited--;
      return {
        status: 429,
        body: 'Retry later',
        headers: {
          'retry-after': String(this.retryAfterSeconds),
          'ratelimit-limit': '600',
          'ratelimit-remaining': '0',
          'ratelimit-name': 'throttle_authenticated_api',
        },
      };
    }
    const path = req.path.split('?')[0] ?? '';
    const m = /^\/api\/v4\/projects\/([^/]+)\/issues(?:\/(\d+))?$/.exec(path);
    if (!m) return { status: 404, body: { error: '404 Not Found' } };
    if (req.headers['private-token'] !== this.token) return { status: 401, body: { message: '401 Unauthorized' } };
    // The id is the numeric id or the URL-encoded path: a raw slash would have made it more segments.
    const project = decodeURIComponent(m[1]!);
    if (!this.projects.includes(project)) return { status: 404, body: { message: '404 Project Not Found' } };
    if (m[2] !== undefined) {
      if (req.method !== 'GET') return { status: 405, body: { error: '405 Method Not Allowed' } };
      const issue = this.issues.find((i) => i.project === project && i.iid === Number(m[2]));
      if (!issue) return { status: 404, body: { message: '404 Not found' } };
      return { status: 200, body: this.present(issue) };
    }
    if (req.method !== 'POST') return { status: 405, body: { error: '405 Method Not Allowed' } };
    const body = json(req) as { title?: unknown; description?: unknown; labels?: unknown } | undefined;
    if (!body || typeof body.title !== 'string' || body.title.trim() === '') {
      return { status: 400, body: { error: 'title is missing' } };
    }
    const issue: CreatedGitlabIssue = {
      project,
      iid: this.issues.filter((i) => i.project === project).length + 1,
      title: body.title,
      description: typeof body.description === 'string' ? body.description : null,
      labels:
        typeof body.labels === 'string'
          ? body.labels
              .split(',')
              .map((l) => l.trim())
              .filter(Boolean)
          : [],
      state: 'opened',
    };
    this.issues.push(issue);
    return { status: 201, body: this.present(issue) };
  }
}
