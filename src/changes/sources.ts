/**
 * Change sources as data (pure): one reader per tool turns a delivery (its event header and JSON body) into a change
 * with who, what, versions and the facts mapping uses (repository, namespace, labels), or says why the delivery is
 * not a change (a push to another branch, a failed deployment, a test ping), or names the field that is wrong
 * (`validationError`, answered 400). Payload shapes: the tools' public docs; fixtures in ./fixtures/ say where each
 * one comes from. docs/integrations/changes.md describes what is mapped.
 */
import { validationError, type FieldProblem } from '../shared/errors.js';
import type { ChangeKind, ChangeLink } from './model.js';

export const CHANGE_SOURCES = [
  'github',
  'gitlab',
  'argocd',
  'flux',
  'kubernetes',
  'launchdarkly',
  'unleash',
  'flagsmith',
  'terraform',
] as const;
export type ChangeSource = (typeof CHANGE_SOURCES)[number];
export const isChangeSource = (v: string): v is ChangeSource => (CHANGE_SOURCES as readonly string[]).includes(v);

export const SOURCE_NAMES: Record<ChangeSource, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  argocd: 'Argo CD',
  flux: 'Flux',
  kubernetes: 'Kubernetes',
  launchdarkly: 'LaunchDarkly',
  unleash: 'Unleash',
  flagsmith: 'Flagsmith',
  terraform: 'Terraform Cloud',
};

/** What mapping reads: a repository (`owner/name`), a namespace, and labels (the tool's own and a few derived). */
export interface ChangeFacts {
  repository: string | null;
  namespace: string | null;
  labels: Record<string, string>;
}

export interface ParsedChange {
  /** The tool's own id of this change: the same id again (a redelivery, the next step of one rollout) is not recorded twice. */
  externalId: string | null;
  summary: string;
  kind: ChangeKind;
  author: string | null;
  at: number | null;
  links: ChangeLink[];
  /** Image tags, versions, revisions, commit ids: what is now running. */
  versions: string[];
  facts: ChangeFacts;
}

export type Parsed =
  { event: string; outcome: 'change'; change: ParsedChange } | { event: string; outcome: 'ignored'; reason: string };

export interface Delivery {
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const numOrStr = (v: unknown): string | null => (typeof v === 'number' ? String(v) : str(v));
const head = (d: Delivery, name: string): string | null => {
  const v = d.headers[name];
  return str(Array.isArray(v) ? v[0] : v);
};

/** Reads fields by path, collecting a problem for each required one that is missing or of the wrong type. */
class Reader {
  readonly problems: FieldProblem[] = [];
  constructor(private readonly root: unknown) {}
  private at(path: string): unknown {
    let v: unknown = this.root;
    for (const part of path.split('.')) {
      if (!isObj(v) || !Object.hasOwn(v, part)) return undefined;
      v = v[part];
    }
    return v;
  }
  opt(path: string): string | null {
    return numOrStr(this.at(path));
  }
  req(path: string): string {
    const v = numOrStr(this.at(path));
    if (v === null) this.problems.push({ field: path, message: 'is required (a non-empty string)' });
    return v ?? '';
  }
  obj(path: string): Obj {
    const v = this.at(path);
    return isObj(v) ? v : {};
  }
  list(path: string): unknown[] {
    const v = this.at(path);
    return Array.isArray(v) ? v : [];
  }
  raw(path: string): unknown {
    return this.at(path);
  }
  done(): void {
    if (this.problems.length) throw validationError(this.problems);
  }
}

const time = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? Math.round(v) : Math.round(v * 1000);
  if (typeof v !== 'string' || !v.trim()) return null;
  // GitLab writes "2021-04-28 21:50:00 +0200"; Date.parse reads it once the space before the zone is gone.
  const t = Date.parse(v.trim().replace(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ?([+-]\d\d):?(\d\d)$/, '$1T$2$3:$4'));
  return Number.isNaN(t) ? null : t;
};

const link = (href: string | null, text: string): ChangeLink[] =>
  href && /^https?:\/\/\S+$/i.test(href) ? [{ href, text }] : [];

const shortSha = (sha: string | null): string | null => (sha && /^[0-9a-f]{12,40}$/i.test(sha) ? sha.slice(0, 7) : sha);

const firstLine = (text: string | null, max = 120): string | null => {
  const line = text?.split('\n')[0]?.trim();
  if (!line) return null;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** `https://github.com/acme/api.git`, `git@github.com:acme/api.git` → `acme/api`; anything else as given. */
export function repositoryName(url: string | null): string | null {
  if (!url) return null;
  const m = /^(?:[a-z+]+:\/\/(?:[^@/]+@)?[^/]+\/|[^@/:]+@[^:]+:)(.+?)(?:\.git)?\/?$/i.exec(url.trim());
  return (m?.[1] ?? url.trim()).toLowerCase();
}

/** String-valued entries of an object (labels, tags), bounded. */
function labelsOf(v: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v).slice(0, 100)) {
    const s = numOrStr(val);
    if (s !== null && k.length <= 253) out[`${prefix}${k}`] = s.slice(0, 500);
  }
  return out;
}

const facts = (repository: string | null, namespace: string | null, labels: Record<string, string>): ChangeFacts => ({
  repository: repository ? repository.toLowerCase() : null,
  namespace,
  labels: {
    ...labels,
    ...(repository ? { repository: repository.toLowerCase() } : {}),
    ...(namespace ? { namespace } : {}),
  },
});

const ignored = (event: string, reason: string): Parsed => ({ event, outcome: 'ignored', reason });

// ---------------------------------------------------------------------------------------------------------------
// GitHub: push to the default branch, deployment_status (success), release (published). Event in X-GitHub-Event.

function github(d: Delivery): Parsed {
  const event = head(d, 'x-github-event');
  if (!event) throw validationError([{ field: 'X-GitHub-Event', message: 'header is required' }]);
  const r = new Reader(d.body);
  if (event === 'ping') return ignored(event, 'GitHub checks the hook with a ping: nothing to record');
  const repo = r.req('repository.full_name');
  if (event === 'push') {
    const ref = r.req('ref');
    const after = r.req('after');
    const defaultBranch = r.req('repository.default_branch');
    r.done();
    if (r.raw('deleted') === true) return ignored(event, `${ref} was deleted`);
    if (ref !== `refs/heads/${defaultBranch}`) {
      return ignored(event, `a push to ${ref}, not to the default branch ${defaultBranch}`);
    }
    const commits = r.list('commits').length;
    const message = firstLine(r.opt('head_commit.message'));
    return {
      event,
      outcome: 'change',
      change: {
        externalId: `push:${repo}:${after}`,
        summary: `${repo}: ${commits === 1 ? '1 commit' : `${commits} commits`} pushed to ${defaultBranch}${message ? ` — ${message}` : ''}`,
        kind: 'deploy',
        author: r.opt('pusher.name') ?? r.opt('sender.login'),
        at: time(r.raw('head_commit.timestamp')),
        links: link(r.opt('compare') ?? r.opt('head_commit.url'), 'Compare'),
        versions: [shortSha(after)!],
        facts: facts(repo, null, { branch: defaultBranch, event }),
      },
    };
  }
  if (event === 'deployment_status') {
    const state = r.req('deployment_status.state');
    const env = r.opt('deployment_status.environment') ?? r.req('deployment.environment');
    const sha = r.req('deployment.sha');
    const id = r.req('deployment.id');
    r.done();
    if (state !== 'success') return ignored(event, `deployment ${id} is ${state}; only a successful one is a change`);
    const ref = r.opt('deployment.ref');
    return {
      event,
      outcome: 'change',
      change: {
        externalId: `deployment:${repo}:${id}`,
        summary: `${repo}: ${ref && ref !== sha ? `${ref} (${shortSha(sha)})` : shortSha(sha)} deployed to ${env}`,
        kind: 'deploy',
        author: r.opt('deployment.creator.login') ?? r.opt('deployment_status.creator.login') ?? r.opt('sender.login'),
        at: time(r.raw('deployment_status.updated_at') ?? r.raw('deployment_status.created_at')),
        links: [
          ...link(r.opt('deployment_status.target_url') ?? r.opt('deployment_status.log_url'), 'Deployment'),
          ...link(r.opt('deployment_status.environment_url'), env),
        ],
        versions: [ref && ref !== sha ? ref : shortSha(sha)!],
        facts: facts(repo, null, { environment: env, event }),
      },
    };
  }
  if (event === 'release') {
    const action = r.req('action');
    const tag = r.req('release.tag_name');
    r.done();
    if (action !== 'published') return ignored(event, `release ${tag} was ${action}; only a published one is a change`);
    const name = r.opt('release.name');
    return {
      event,
      outcome: 'change',
      change: {
        externalId: `release:${repo}:${r.opt('release.id') ?? tag}`,
        summary: `${repo}: release ${tag}${name && name !== tag ? ` — ${name}` : ''} published`,
        kind: 'deploy',
        author: r.opt('release.author.login') ?? r.opt('sender.login'),
        at: time(r.raw('release.published_at')),
        links: link(r.opt('release.html_url'), `Release ${tag}`),
        versions: [tag],
        facts: facts(repo, null, { event, ...(r.raw('release.prerelease') === true ? { prerelease: 'true' } : {}) }),
      },
    };
  }
  return ignored(event, `the ${event} event is not a change (push, deployment_status and release are)`);
}

// ---------------------------------------------------------------------------------------------------------------
// GitLab: push to the default branch, deployment (success). object_kind in the body, X-Gitlab-Event in the header.

function gitlab(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const kind = r.req('object_kind');
  r.done();
  const event = kind;
  if (kind === 'push') {
    const repo = r.req('project.path_with_namespace');
    const ref = r.req('ref');
    const sha = r.req('checkout_sha');
    const defaultBranch = r.req('project.default_branch');
    r.done();
    if (ref !== `refs/heads/${defaultBranch}`) {
      return ignored(event, `a push to ${ref}, not to the default branch ${defaultBranch}`);
    }
    const commits = r.list('commits');
    const count = Number(r.raw('total_commits_count') ?? commits.length) || commits.length;
    const last = commits.at(-1);
    const message = firstLine(isObj(last) ? str(last.message) : null);
    const web = r.opt('project.web_url');
    return {
      event,
      outcome: 'change',
      change: {
        externalId: `push:${repo}:${sha}`,
        summary: `${repo}: ${count === 1 ? '1 commit' : `${count} commits`} pushed to ${defaultBranch}${message ? ` — ${message}` : ''}`,
        kind: 'deploy',
        author: r.opt('user_name') ?? r.opt('user_username'),
        at: isObj(last) ? time(last.timestamp) : null,
        links: link(web ? `${web}/-/commit/${sha}` : null, 'Commit'),
        versions: [shortSha(sha)!],
        facts: facts(repo, null, { branch: defaultBranch, event }),
      },
    };
  }
  if (kind === 'deployment') {
    const repo = r.req('project.path_with_namespace');
    const status = r.req('status');
    const env = r.req('environment');
    const id = r.req('deployment_id');
    const sha = r.opt('short_sha');
    r.done();
    if (status !== 'success') return ignored(event, `deployment ${id} is ${status}; only a successful one is a change`);
    const ref = r.opt('ref');
    const title = firstLine(r.opt('commit_title'));
    return {
      event,
      outcome: 'change',
      change: {
        externalId: `deployment:${repo}:${id}`,
        summary: `${repo}: ${[ref, sha ? `(${sha})` : null].filter(Boolean).join(' ') || `deployment ${id}`} deployed to ${env}${title ? ` — ${title}` : ''}`,
        kind: 'deploy',
        author: r.opt('user.name') ?? r.opt('user.username'),
        at: time(r.raw('status_changed_at')),
        links: [...link(r.opt('deployable_url'), 'Deployment job'), ...link(r.opt('commit_url'), 'Commit')],
        versions: [ref, sha].filter((v): v is string => v !== null),
        facts: facts(repo, null, {
          environment: env,
          event,
          ...(r.opt('environment_tier') ? { tier: r.opt('environment_tier')! } : {}),
        }),
      },
    };
  }
  return ignored(event, `the ${kind} event is not a change (push and deployment are)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Argo CD notifications: the webhook template documented in docs/integrations/argocd.md.

function argocd(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const app = r.req('app');
  const revision = r.req('revision');
  const syncStatus = r.opt('syncStatus');
  const phase = r.opt('phase');
  r.done();
  const event = 'app-deployed';
  if (phase && phase !== 'Succeeded')
    return ignored(event, `the sync of ${app} is ${phase}; only a succeeded one is a change`);
  const namespace = r.opt('namespace');
  const repo = repositoryName(r.opt('repoURL'));
  const images = r
    .list('images')
    .map((i) => numOrStr(i))
    .filter((i): i is string => i !== null)
    .slice(0, 20);
  return {
    event,
    outcome: 'change',
    change: {
      externalId: `argocd:${app}:${revision}:${r.opt('finishedAt') ?? ''}`,
      summary: `Argo CD synced ${app} to ${shortSha(revision)}${namespace ? ` in ${namespace}` : ''}${images.length ? ` (${images.join(', ')})` : ''}`,
      kind: 'deploy',
      author: r.opt('author') ?? r.opt('initiatedBy'),
      at: time(r.raw('finishedAt')),
      links: link(r.opt('url'), `${app} in Argo CD`),
      versions: [shortSha(revision)!, ...images],
      facts: facts(repo, namespace, {
        ...labelsOf(r.raw('labels')),
        app,
        ...(r.opt('project') ? { project: r.opt('project')! } : {}),
        ...(syncStatus ? { syncStatus } : {}),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Flux notification-controller, Provider type generic or generic-hmac: the event as JSON.

function flux(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const kind = r.req('involvedObject.kind');
  const name = r.req('involvedObject.name');
  const objNamespace = r.req('involvedObject.namespace');
  const severity = r.req('severity');
  const reason = r.req('reason');
  r.done();
  const event = reason;
  if (severity !== 'info') return ignored(event, `a ${severity} event of ${kind}/${name} is not a change`);
  const revision = r.opt('metadata.revision');
  if (!revision) return ignored(event, `${kind}/${name} reported ${reason} without a revision: nothing changed`);
  const message = firstLine(r.opt('message'), 200);
  const meta = labelsOf(r.raw('metadata'));
  // Flux writes the revision as `main@sha1:<sha>` (source) or a chart version (HelmRelease).
  const rev = revision.replace(/@sha1:([0-9a-f]{7})[0-9a-f]*$/i, '@$1');
  return {
    event,
    outcome: 'change',
    change: {
      externalId: `flux:${kind}/${objNamespace}/${name}:${revision}`,
      summary: `Flux ${kind} ${objNamespace}/${name} applied ${rev}${message ? ` — ${message}` : ''}`,
      kind: 'deploy',
      author: r.opt('reportingController') ?? 'flux',
      at: time(r.raw('timestamp')),
      links: [],
      versions: [rev],
      facts: facts(null, meta.namespace ?? objNamespace, { ...meta, kind, name }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes rollouts through kubernetes-event-exporter's webhook receiver: Deployment ScalingReplicaSet events.

function kubernetes(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const reason = r.req('reason');
  const kind = r.req('involvedObject.kind');
  const name = r.req('involvedObject.name');
  const namespace = r.req('involvedObject.namespace');
  r.done();
  const event = reason;
  if (reason !== 'ScalingReplicaSet')
    return ignored(event, `a ${reason} event is not a rollout (ScalingReplicaSet is)`);
  const message = r.opt('message') ?? '';
  // "Scaled up replica set api-7d9f8c6b5 to 3" (older clusters: "Scaled up replica set api-7d9f8c6b5 from 0 to 3").
  const m = /^Scaled up replica set (\S+) (?:from \d+ )?to (\d+)/.exec(message);
  if (!m) return ignored(event, 'only a new replica set scaling up starts a rollout');
  const replicaSet = m[1]!;
  const annotations = labelsOf(r.raw('involvedObject.annotations'));
  const labels = labelsOf(r.raw('involvedObject.labels'));
  const revision = annotations['deployment.kubernetes.io/revision'] ?? null;
  const version = labels['app.kubernetes.io/version'] ?? null;
  const images = r
    .list('images')
    .map((i) => numOrStr(i))
    .filter((i): i is string => i !== null)
    .slice(0, 20);
  const versions = [...images, ...(version ? [version] : []), ...(revision ? [`revision ${revision}`] : [])];
  return {
    event,
    outcome: 'change',
    change: {
      // One rollout scales its new replica set up several times: only the first is recorded.
      externalId: `k8s:${namespace}/${replicaSet}`,
      summary: `${kind} ${namespace}/${name} rolled out replica set ${replicaSet}${versions.length ? ` (${versions.join(', ')})` : ''}`,
      kind: 'deploy',
      author: r.opt('source.component') ?? 'kubernetes',
      at: time(r.raw('lastTimestamp') ?? r.raw('firstTimestamp') ?? r.raw('eventTime')),
      links: [],
      versions,
      facts: facts(null, namespace, {
        ...labels,
        kind,
        name,
        ...(r.opt('clusterName') ? { cluster: r.opt('clusterName')! } : {}),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// LaunchDarkly webhooks: an audit log entry. Flag resources read `proj/<p>:env/<e>:flag/<f>`.

function resourceParts(resource: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (resource ?? '').split(':')) {
    const m = /^(proj|env|flag|segment)\/([^;]+)/.exec(part);
    if (m) out[{ proj: 'project', env: 'environment', flag: 'flag', segment: 'segment' }[m[1] as 'proj']] = m[2]!;
  }
  return out;
}

function launchdarkly(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const id = r.req('_id');
  const kind = r.req('kind');
  r.done();
  const event = kind;
  if (kind !== 'flag' && kind !== 'segment') return ignored(event, `a ${kind} entry is not a flag or segment change`);
  const accesses = r.list('accesses');
  const first = isObj(accesses[0]) ? accesses[0] : {};
  const resource =
    str(first.resource) ??
    r
      .list('target.resources')
      .map(str)
      .find((x) => x) ??
    null;
  const parts = resourceParts(resource);
  const who =
    [r.opt('member.firstName'), r.opt('member.lastName')].filter(Boolean).join(' ') || r.opt('member.email') || null;
  const title = r.opt('title') ?? `${r.opt('titleVerb') ?? 'changed'} ${r.opt('name') ?? parts.flag ?? ''}`;
  const tags = r
    .list('currentVersion.tags')
    .map(str)
    .filter((t): t is string => t !== null);
  const site = r.opt('_links.site.href');
  return {
    event,
    outcome: 'change',
    change: {
      externalId: `ld:${id}`,
      summary:
        `LaunchDarkly: ${who ? `${who} ` : ''}${(r.opt('titleVerb') ?? title).replace(/\*\*/g, '')} ${r.opt('name') ?? parts.flag ?? ''}${parts.environment ? ` in ${parts.environment}` : ''}`
          .replace(/\s+/g, ' ')
          .trim(),
      kind: 'config',
      author: who,
      at: time(r.raw('date')),
      links: link(
        site ? `https://app.launchdarkly.com${site.startsWith('/') ? '' : '/'}${site}` : null,
        'In LaunchDarkly',
      ),
      versions: numOrStr(r.raw('currentVersion._version'))
        ? [`version ${numOrStr(r.raw('currentVersion._version'))}`]
        : [],
      facts: facts(null, null, {
        ...parts,
        ...(str(first.action) ? { action: str(first.action)! } : {}),
        ...Object.fromEntries(tags.map((t) => [`tag_${t}`, 'true'])),
        ...(tags.length ? { tags: tags.join(',') } : {}),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Unleash webhook addon: the event as JSON (id, type, createdBy, featureName, project, environment, tags).

function unleash(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const type = r.req('type');
  r.done();
  const event = type;
  const feature = r.opt('featureName') ?? r.opt('data.name');
  if (!feature || !/^feature-/.test(type)) return ignored(event, `a ${type} event is not a feature flag change`);
  const env = r.opt('environment');
  const project = r.opt('project');
  const tags = r.list('tags').filter(isObj);
  const tagLabels: Record<string, string> = {};
  for (const t of tags.slice(0, 50)) {
    const k = str(t.type);
    const v = str(t.value);
    if (k && v) tagLabels[k] = v;
  }
  const verb = type.replace(/^feature-/, '').replace(/-/g, ' ');
  return {
    event,
    outcome: 'change',
    change: {
      externalId: r.opt('id') ? `unleash:${r.opt('id')}` : null,
      summary: `Unleash: ${feature} ${verb}${env ? ` in ${env}` : ''}`,
      kind: 'config',
      author: r.opt('createdBy'),
      at: time(r.raw('createdAt')),
      links: [],
      versions: [],
      facts: facts(null, null, {
        ...tagLabels,
        flag: feature,
        ...(project ? { project } : {}),
        ...(env ? { environment: env } : {}),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Flagsmith environment webhooks: {event_type, data: {changed_by, new_state, previous_state, timestamp}}.

function flagsmith(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const type = r.req('event_type');
  r.done();
  const event = type;
  if (type !== 'FLAG_UPDATED' && type !== 'FLAG_DELETED') return ignored(event, `a ${type} event is not a flag change`);
  const state = type === 'FLAG_DELETED' ? 'data.previous_state' : 'data.new_state';
  const feature = r.req(`${state}.feature.name`);
  r.done();
  const env = r.opt(`${state}.environment.name`);
  const project = r.opt(`${state}.feature.project.name`);
  const enabled = r.raw(`${state}.enabled`);
  const was = r.raw('data.previous_state.enabled');
  const value = r.opt(`${state}.feature_state_value`);
  const what =
    type === 'FLAG_DELETED'
      ? 'deleted'
      : typeof enabled === 'boolean' && typeof was === 'boolean' && enabled !== was
        ? enabled
          ? 'turned on'
          : 'turned off'
        : 'updated';
  const segment = r.opt(`${state}.feature_segment.segment.name`) ?? r.opt(`${state}.identity.identifier`);
  const at = time(r.raw('data.timestamp'));
  return {
    event,
    outcome: 'change',
    change: {
      externalId: null,
      summary: `Flagsmith: ${feature} ${what}${env ? ` in ${env}` : ''}${segment ? ` for ${segment}` : ''}${value !== null && type !== 'FLAG_DELETED' ? ` (value ${value.slice(0, 80)})` : ''}`,
      kind: 'config',
      author: r.opt('data.changed_by'),
      at,
      links: [],
      versions: [],
      facts: facts(null, null, {
        flag: feature,
        ...(env ? { environment: env } : {}),
        ...(project ? { project } : {}),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Terraform Cloud / HCP Terraform run notifications (payload_version 1): applied runs are changes.

function terraform(d: Delivery): Parsed {
  const r = new Reader(d.body);
  const notifications = r.list('notifications').filter(isObj);
  if (!Array.isArray(r.raw('notifications')))
    r.problems.push({ field: 'notifications', message: 'is required (a list)' });
  r.done();
  const n = notifications[0] ?? {};
  const trigger = str(n.trigger) ?? 'unknown';
  const event = trigger;
  if (trigger === 'verification')
    return ignored(event, 'Terraform checks the hook with a verification: nothing to record');
  const runId = r.req('run_id');
  const workspace = r.req('workspace_name');
  const org = r.req('organization_name');
  r.done();
  const status = str(n.run_status);
  if (trigger !== 'run:completed' || status !== 'applied') {
    return ignored(event, `run ${runId} is ${status ?? trigger}; only an applied run is a change`);
  }
  const message = firstLine(r.opt('run_message'));
  return {
    event,
    outcome: 'change',
    change: {
      externalId: `tfc:${runId}`,
      summary: `Terraform applied ${org}/${workspace}${message ? ` — ${message}` : ''}`,
      kind: 'infrastructure',
      author: str(n.run_updated_by) ?? r.opt('run_created_by'),
      at: time(n.run_updated_at),
      links: link(r.opt('run_url'), `Run ${runId}`),
      versions: [runId],
      facts: facts(null, null, {
        workspace,
        organization: org,
        ...(r.opt('workspace_id') ? { workspace_id: r.opt('workspace_id')! } : {}),
      }),
    },
  };
}

const READERS: Record<ChangeSource, (d: Delivery) => Parsed> = {
  github,
  gitlab,
  argocd,
  flux,
  kubernetes,
  launchdarkly,
  unleash,
  flagsmith,
  terraform,
};

/** Read a delivery of `source`. A body that is not a JSON object, or a required field missing: 400 naming it. */
export function parseDelivery(source: ChangeSource, d: Delivery): Parsed {
  if (!isObj(d.body)) throw validationError([{ field: 'body', message: 'must be a JSON object' }]);
  const parsed = READERS[source](d);
  if (parsed.outcome === 'change') {
    const c = parsed.change;
    c.summary = c.summary.length > 1024 ? `${c.summary.slice(0, 1023)}…` : c.summary;
    c.author = c.author ? c.author.slice(0, 200) : null;
    c.versions = [...new Set(c.versions.filter(Boolean).map((v) => v.slice(0, 200)))].slice(0, 20);
  }
  return parsed;
}
