/**
 * The team page's "Issue trackers" card (team admins): the team's GitHub Issues, GitLab and Jira connections
 * (`GET/PUT/DELETE /api/teams/:team/trackers/:provider`, docs/postmortems.md "Trackers"). Each provider shows whether
 * it is connected, with Edit and Disconnect, or Connect. The token is write-only: the API only says `hasToken`, and
 * an edit without a token keeps the stored one. "Allow a private address" is offered to organisation administrators
 * only (the API refuses it from anyone else).
 */
import { useCallback, useEffect, useState } from 'react';
import {
  CheckField,
  ConfirmButton,
  ErrorBanner,
  FormActions,
  TextField,
  useActions,
  useApiForm,
} from '../components/forms.js';
import { Badge, Card, LoadError, Loading } from '../components/ui.js';
import { api, ApiError } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import type { Team } from '../lib/types.js';

type Provider = 'github' | 'gitlab' | 'jira';

interface TrackerConnection {
  teamId: string;
  provider: Provider;
  baseUrl: string;
  project: string;
  issueType: string | null;
  username: string | null;
  allowPrivateAddress: boolean;
  hasToken: boolean;
  createdAt: string;
  updatedAt: string;
}

const PROVIDERS: readonly { id: Provider; name: string }[] = [
  { id: 'github', name: 'GitHub Issues' },
  { id: 'gitlab', name: 'GitLab' },
  { id: 'jira', name: 'Jira' },
];

const GITHUB_API = 'https://api.github.com';
const GITLAB_URL = 'https://gitlab.com';
const DEFAULT_BASE: Record<Provider, string> = { github: GITHUB_API, gitlab: GITLAB_URL, jira: '' };

export function TrackersCard({ team }: { team: Team }) {
  return (
    <Card title="Issue trackers">
      <p className="muted small">
        Action items of this team can create their issue in a connected tracker. The token is stored sealed and never
        shown again.
      </p>
      {PROVIDERS.map((p) => (
        <TrackerSection key={p.id} team={team} provider={p.id} name={p.name} />
      ))}
    </Card>
  );
}

function TrackerSection({ team, provider, name }: { team: Team; provider: Provider; name: string }) {
  const me = useUser();
  const path = `/api/teams/${encodeURIComponent(team.id)}/trackers/${provider}`;
  // undefined: loading; null: not connected (the API answers 404).
  const [conn, setConn] = useState<TrackerConnection | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const { run, busy, error: actionError } = useActions();

  const load = useCallback(() => {
    setLoadError(null);
    api.get<TrackerConnection>(path).then(
      (c) => setConn(c),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 404) setConn(null);
        else setLoadError(e);
      },
    );
  }, [path]);
  useEffect(load, [load]);

  const disconnect = () =>
    run(async () => {
      await api.del(path);
      setConn(null);
    });

  const headingId = `tracker-${provider}-heading`;
  return (
    <section className="tracker" aria-labelledby={headingId} data-tracker={provider}>
      <h3 id={headingId}>
        {name} {conn ? <Badge tone="good">connected</Badge> : conn === null ? <Badge>not connected</Badge> : null}
      </h3>
      {loadError ? (
        <LoadError error={loadError} retry={load} />
      ) : conn === undefined ? (
        <Loading what={`Loading the ${name} connection`} />
      ) : editing ? (
        <TrackerForm
          path={path}
          provider={provider}
          name={name}
          current={conn}
          isOrgAdmin={me.isAdmin}
          onSaved={(c) => {
            setConn(c);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : conn ? (
        <>
          <dl className="facts">
            <dt>Base URL</dt>
            <dd style={{ overflowWrap: 'anywhere' }}>
              <code>{conn.baseUrl}</code>
            </dd>
            <dt>{provider === 'github' ? 'Repository' : provider === 'gitlab' ? 'Project path' : 'Project'}</dt>
            <dd style={{ overflowWrap: 'anywhere' }}>{conn.project}</dd>
            {provider === 'jira' && (
              <>
                <dt>Issue type</dt>
                <dd>{conn.issueType ?? 'Task'}</dd>
                <dt>Account</dt>
                <dd style={{ overflowWrap: 'anywhere' }}>{conn.username ?? '—'}</dd>
              </>
            )}
            {conn.allowPrivateAddress && (
              <>
                <dt>Address</dt>
                <dd>Private address allowed</dd>
              </>
            )}
            <dt>Updated</dt>
            <dd>{formatTime(conn.updatedAt, me.timezone)}</dd>
          </dl>
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-small"
              aria-label={`Edit ${name}`}
              disabled={busy}
              onClick={() => setEditing(true)}
            >
              Edit
            </button>
            <ConfirmButton
              label="Disconnect"
              confirmLabel={`Disconnect ${name}`}
              disabled={busy}
              onConfirm={() => void disconnect()}
            />
          </div>
        </>
      ) : (
        <>
          <p className="muted small">Not connected.</p>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Connect ${name}`}
            onClick={() => setEditing(true)}
          >
            Connect
          </button>
        </>
      )}
      <ErrorBanner error={actionError} />
    </section>
  );
}

interface TrackerValues {
  baseUrl: string;
  project: string;
  issueType: string;
  username: string;
  token: string;
  allowPrivateAddress: boolean;
}

const FIELDS = ['baseUrl', 'project', 'issueType', 'username', 'token', 'allowPrivateAddress'];

function TrackerForm({
  path,
  provider,
  name,
  current,
  isOrgAdmin,
  onSaved,
  onCancel,
}: {
  path: string;
  provider: Provider;
  name: string;
  current: TrackerConnection | null;
  isOrgAdmin: boolean;
  onSaved: (c: TrackerConnection) => void;
  onCancel: () => void;
}) {
  const isJira = provider === 'jira';
  const isGitlab = provider === 'gitlab';
  const form = useApiForm<TrackerValues>(
    {
      baseUrl: current?.baseUrl ?? DEFAULT_BASE[provider],
      project: current?.project ?? '',
      issueType: current?.issueType ?? 'Task',
      username: current?.username ?? '',
      token: '',
      allowPrivateAddress: current?.allowPrivateAddress ?? false,
    },
    async (v) => {
      const body: Record<string, unknown> = { baseUrl: v.baseUrl.trim(), project: v.project.trim() };
      if (isJira) {
        body.issueType = v.issueType.trim() || null;
        body.username = v.username.trim() || null;
      }
      if (v.token) body.token = v.token;
      // Only an organisation administrator may send it (anyone else is refused for asking).
      if (isOrgAdmin) body.allowPrivateAddress = v.allowPrivateAddress;
      onSaved(await api.put<TrackerConnection>(path, body));
    },
  );
  const id = (f: string) => `tracker-${provider}-${f}`;
  const keeping = current?.hasToken === true;

  return (
    <form onSubmit={form.onSubmit} aria-label={`${current ? 'Edit' : 'Connect'} ${name}`} noValidate>
      <TextField
        form={form}
        name="baseUrl"
        id={id('base-url')}
        label="Base URL"
        type="url"
        placeholder={isJira ? 'https://your-site.atlassian.net' : DEFAULT_BASE[provider]}
        hint={
          isJira
            ? 'Your Jira site, such as https://your-site.atlassian.net.'
            : isGitlab
              ? `${GITLAB_URL}, or the address of your self-managed GitLab.`
              : `The GitHub API: ${GITHUB_API}, or your GitHub Enterprise's API URL.`
        }
      />
      <TextField
        form={form}
        name="project"
        id={id('project')}
        label={isJira ? 'Project key' : isGitlab ? 'Project path' : 'Repository'}
        placeholder={isJira ? 'OPS' : isGitlab ? 'group/project' : 'owner/repo'}
        spellCheck={false}
        hint={
          isJira
            ? 'The key of the Jira project, such as OPS.'
            : isGitlab
              ? 'The project with its group, such as acme/platform or acme/infra/queues.'
              : 'The repository as owner/repo.'
        }
      />
      {isJira && (
        <>
          <TextField
            form={form}
            name="issueType"
            id={id('issue-type')}
            label="Issue type"
            placeholder="Task"
            hint="The type of the issues created. Leave empty for Task."
          />
          <TextField
            form={form}
            name="username"
            id={id('username')}
            label="Account email"
            type="email"
            autoComplete="off"
            hint="The email address of the Atlassian account that owns the API token."
          />
        </>
      )}
      <TextField
        form={form}
        name="token"
        id={id('token')}
        label={isJira ? 'API token' : 'Token'}
        type="password"
        autoComplete="new-password"
        rules={keeping ? undefined : { required: 'is required' }}
        hint={
          keeping
            ? 'Leave empty to keep the current token.'
            : isJira
              ? 'An Atlassian API token of that account.'
              : isGitlab
                ? 'A project or personal access token with the api scope.'
                : 'A fine-grained token with Issues: write on the repository.'
        }
      />
      {isOrgAdmin && (
        <CheckField form={form} name="allowPrivateAddress" id={id('private')} label="Allow a private address" />
      )}
      <ErrorBanner error={form.error} fields={FIELDS} />
      <FormActions
        busy={form.busy}
        submit={current ? 'Save' : 'Connect'}
        busyText={current ? 'Saving…' : 'Connecting…'}
        onCancel={onCancel}
      />
    </form>
  );
}
