/**
 * /automation/actions/new (`?team=`) and /automation/actions/:id: an action's form (kind HTTP or agent with their
 * fields, mode, parameters, the automatic conditions and rate limit, the write-only secret, dry run) and, on an
 * existing action, "Run" (inputs, dry run) which opens the run page, and its recent runs.
 */
import './automation.css';
import { useFieldArray } from 'react-hook-form';
import { CheckField, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { Card, Loading, PageHeader } from '../../components/ui.js';
import { api, ApiError, query } from '../../lib/api.js';
import { navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { useTeams } from '../oncall/people.js';
import { runColumns } from './lists.js';
import { formatMatchers, parseMatchers, splitLines, splitList, useTeamRole } from './parts.js';
import {
  actionPage,
  commandName,
  itemsOf,
  runPage,
  type ActionDetail,
  type Agent,
  type Param,
  type Run,
} from './types.js';

interface ParamRow {
  name: string;
  from: string;
  key: string;
  pattern: string;
  required: boolean;
}

interface Values {
  teamId: string;
  runbookId: string;
  name: string;
  slug: string;
  description: string;
  kind: string;
  mode: string;
  enabled: boolean;
  timeoutSeconds: string;
  rateLimitPerHour: string;
  method: string;
  url: string;
  headers: string;
  body: string;
  secret: string;
  allowPrivateAddress: boolean;
  dryRunWhere: string;
  dryRunName: string;
  dryRunValue: string;
  agentId: string;
  command: string;
  args: string;
  dryRunArgs: string;
  alertnames: string;
  severities: string;
  matchers: string;
  params: ParamRow[];
}

function valuesOf(a: ActionDetail | null, teamId: string, runbookId = ''): Values {
  const h = a?.http ?? null;
  const dr = h?.dryRun ?? null;
  const where = dr?.query ? 'query' : dr?.header ? 'header' : dr?.body ? 'body' : '';
  const entry = where && dr ? Object.entries(dr[where as 'query'] ?? {})[0] : undefined;
  return {
    teamId: a?.teamId ?? teamId,
    runbookId: a ? (a.runbookId ?? '') : runbookId,
    name: a?.name ?? '',
    slug: a?.slug ?? '',
    description: a?.description ?? '',
    kind: a?.kind ?? 'http',
    mode: a?.mode ?? 'manual',
    enabled: a?.enabled ?? true,
    timeoutSeconds: String(a?.timeoutSeconds ?? 60),
    rateLimitPerHour: String(a?.rateLimitPerHour ?? 3),
    method: h?.method ?? 'POST',
    url: h?.url ?? '',
    headers: Object.entries(h?.headers ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    body: h?.body === undefined || h?.body === null ? '' : JSON.stringify(h.body, null, 2),
    secret: '',
    allowPrivateAddress: h?.allowPrivateAddress ?? false,
    dryRunWhere: where,
    dryRunName: entry?.[0] ?? '',
    dryRunValue: entry ? String(entry[1]) : '',
    agentId: a?.agent?.agentId ?? '',
    command: a?.agent?.command ?? '',
    args: (a?.agent?.args ?? []).join('\n'),
    dryRunArgs: (a?.agent?.dryRunArgs ?? []).join('\n'),
    alertnames: (a?.autoConditions?.alertnames ?? []).join(', '),
    severities: (a?.autoConditions?.severities ?? []).join(', '),
    matchers: formatMatchers(a?.autoConditions?.matchers),
    params: (a?.params ?? []).map((p) => ({
      name: p.name,
      from: p.from,
      key: p.key,
      pattern: p.pattern ?? '',
      required: p.required,
    })),
  };
}

const bad = (field: string, message: string) =>
  new ApiError(400, 'validation_failed', 'Check the highlighted fields.', [{ field, message }]);

function bodyOf(v: Values, isOrgAdmin: boolean, creating: boolean) {
  const params: Param[] = v.params
    .filter((p) => p.name.trim())
    .map((p) => ({
      name: p.name.trim(),
      from: p.from as Param['from'],
      key: p.key.trim() || p.name.trim(),
      ...(p.pattern.trim() ? { pattern: p.pattern.trim() } : {}),
      required: p.required,
    }));
  const m = parseMatchers(v.matchers);
  if (m.bad) throw bad('matchers', `cannot read "${m.bad}": write name = value, or =~, != and !~.`);
  const base = {
    runbookId: v.runbookId || null,
    name: v.name.trim(),
    description: v.description.trim(),
    mode: v.mode,
    enabled: v.enabled,
    params,
    timeoutSeconds: Number(v.timeoutSeconds),
    rateLimitPerHour: Number(v.rateLimitPerHour),
    autoConditions: {
      alertnames: splitList(v.alertnames),
      severities: splitList(v.severities),
      matchers: m.matchers,
    },
  };
  let kindPart: Record<string, unknown>;
  if (v.kind === 'http') {
    const headers: Record<string, string> = {};
    for (const line of splitLines(v.headers)) {
      const i = line.indexOf(':');
      if (i <= 0) throw bad('headers', `cannot read "${line}": write Name: value.`);
      headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    let body: unknown = undefined;
    if (v.body.trim()) {
      try {
        body = JSON.parse(v.body) as unknown;
      } catch {
        throw bad('body', 'is not valid JSON.');
      }
    }
    let dryRun: Record<string, Record<string, string>> | undefined;
    if (v.dryRunWhere && v.dryRunName.trim()) dryRun = { [v.dryRunWhere]: { [v.dryRunName.trim()]: v.dryRunValue } };
    kindPart = {
      http: {
        method: v.method,
        url: v.url.trim(),
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(dryRun ? { dryRun } : {}),
        ...(v.secret ? { secret: v.secret } : {}),
        ...(isOrgAdmin ? { allowPrivateAddress: v.allowPrivateAddress } : {}),
      },
    };
  } else {
    const dryRunArgs = splitLines(v.dryRunArgs);
    kindPart = {
      agent: {
        agentId: v.agentId || null,
        command: v.command.trim(),
        args: splitLines(v.args),
        ...(dryRunArgs.length ? { dryRunArgs } : {}),
      },
    };
  }
  return creating
    ? { teamId: v.teamId, kind: v.kind, ...(v.slug.trim() ? { slug: v.slug.trim() } : {}), ...base, ...kindPart }
    : { ...base, ...kindPart };
}

export function NewActionPage() {
  const { search } = useLocation();
  const teams = useTeams();
  // The team select needs its options before the form takes its first values.
  if (!teams.loaded) return <Loading what="Loading teams" />;
  return <ActionForm existing={null} teamId={search.get('team') ?? ''} runbookId={search.get('runbook') ?? ''} />;
}

export function ActionPage({ params }: PageProps) {
  const id = params.id ?? '';
  const res = useApi<ActionDetail>(`/api/actions/${encodeURIComponent(id)}`);
  const teams = useTeams();
  const roles = useTeamRole(teams.teams);
  return (
    <Loadable resource={res} what="the action">
      {(a) => (
        <>
          <PageHeader
            title={a.name}
            subtitle={a.description || `${a.kind === 'http' ? 'HTTP' : 'Agent'} action · ${a.mode}`}
          />
          {roles.isResponder(a.teamId) && a.enabled && <RunCard action={a} />}
          <RecentRuns actionId={a.id} />
          {roles.isAdmin(a.teamId) && (
            <Card title="Settings">
              <ActionForm existing={a} teamId={a.teamId} onSaved={res.reload} embedded />
            </Card>
          )}
        </>
      )}
    </Loadable>
  );
}

function RunCard({ action }: { action: ActionDetail }) {
  const inputs = action.params.filter((p) => p.from === 'input');
  const { search } = useLocation();
  const form = useApiForm<Record<string, string | boolean>>(
    { dryRun: false, alertId: search.get('alert') ?? '', incidentId: search.get('incident') ?? '' },
    async (v) => {
      const params: Record<string, string> = {};
      for (const p of inputs) {
        const val = v[`p_${p.name}`];
        if (typeof val === 'string' && val.trim()) params[p.name] = val.trim();
      }
      const run = await api.post<Run>(`/api/actions/${encodeURIComponent(action.id)}/runs`, {
        params,
        dryRun: v.dryRun === true,
        ...(typeof v.alertId === 'string' && v.alertId ? { alertId: v.alertId } : {}),
        ...(typeof v.incidentId === 'string' && v.incidentId ? { incidentId: v.incidentId } : {}),
      });
      navigate(runPage(run.id));
    },
  );
  return (
    <Card title="Run this action" className="auto-run-card">
      <form id="run" onSubmit={form.onSubmit} aria-label="Run this action">
        {inputs.map((p) => (
          <TextField
            key={p.name}
            form={form}
            name={`p_${p.name}`}
            id={`run-param-${p.name}`}
            label={p.name}
            hint={p.pattern ? <code>{p.pattern}</code> : undefined}
            rules={p.required ? { required: 'is required.' } : undefined}
          />
        ))}
        {action.dryRunSupported && <CheckField form={form} name="dryRun" id="run-dry" label="Dry run" />}
        <p className="muted small">
          {action.mode === 'approval'
            ? 'A second person approves before it runs.'
            : 'It runs at once; everything is recorded on the run and the incident timeline.'}
        </p>
        <ErrorBanner error={form.error} />
        <FormActions busy={form.busy} submit={action.mode === 'approval' ? 'Ask for approval' : 'Run now'} />
      </form>
    </Card>
  );
}

function RecentRuns({ actionId }: { actionId: string }) {
  const me = useUser();
  const res = useApi<unknown>(`/api/runs${query({ actionId })}`);
  return (
    <Card title="Recent runs">
      <Loadable resource={res} what="runs" isEmpty={(d) => itemsOf(d).length === 0} empty="Not run yet.">
        {(d) => (
          <DataTable
            label="Recent runs"
            columns={runColumns(me.timezone, null)}
            rows={itemsOf<Run>(d).slice(0, 10)}
            rowKey={(r) => r.id}
            rowData={(r) => ({ 'data-run-id': r.id })}
          />
        )}
      </Loadable>
    </Card>
  );
}

function ActionForm({
  existing,
  teamId,
  runbookId,
  onSaved,
  embedded,
}: {
  existing: ActionDetail | null;
  teamId: string;
  /** `?runbook=`: the new action is a step of this runbook. */
  runbookId?: string;
  onSaved?: () => void;
  embedded?: boolean;
}) {
  const me = useUser();
  const teams = useTeams();
  const roles = useTeamRole(teams.teams);
  const creating = existing === null;
  const form = useApiForm<Values>(valuesOf(existing, teamId, runbookId), async (v) => {
    const body = bodyOf(v, me.isAdmin, creating);
    if (creating) {
      const a = await api.post<ActionDetail>('/api/actions', body);
      navigate(actionPage(a.id));
    } else {
      await api.patch(`/api/actions/${encodeURIComponent(existing.id)}`, body);
      onSaved?.();
    }
  });
  const kind = form.watch('kind');
  const mode = form.watch('mode');
  const chosenTeam = form.watch('teamId');
  const agents = useApi<unknown>(chosenTeam ? `/api/agents${query({ teamId: chosenTeam })}` : null);
  const runbooks = useApi<unknown>(chosenTeam ? `/api/runbooks${query({ teamId: chosenTeam })}` : null);
  const chosenRunbook = form.watch('runbookId');
  const runbookOptions = itemsOf<{ id: string; title: string }>(runbooks.data).map((r) => ({
    value: r.id,
    text: r.title,
  }));
  // A runbook archived since (or not loaded yet) stays selectable rather than silently unlinked.
  if (chosenRunbook && !runbookOptions.some((o) => o.value === chosenRunbook))
    runbookOptions.push({ value: chosenRunbook, text: runbooks.data ? 'An archived runbook' : 'Loading…' });
  const agentList = itemsOf<Agent>(agents.data).filter((a) => !a.revokedAt);
  const commands = [...new Set(agentList.flatMap((a) => a.commands.map(commandName)))];
  const { fields, append, remove } = useFieldArray({ control: form.control, name: 'params' });

  const remove_ = async () => {
    if (!existing) return;
    await api.del(`/api/actions/${encodeURIComponent(existing.id)}`);
    navigate(`/automation${query({ team: existing.teamId })}`);
  };

  // The team select needs its options when it mounts, or it shows the first one.
  if (creating && !teams.loaded) return <Loading what="Loading teams" />;
  const content = (
    <form onSubmit={form.onSubmit} aria-label={creating ? 'New action' : 'Edit the action'} className="auto-form">
      {creating && (
        <SelectField
          form={form}
          name="teamId"
          id="action-team"
          label="Team"
          options={[
            { value: '', text: 'Choose a team' },
            ...roles.adminTeams.map((t) => ({ value: t.id, text: t.name })),
          ]}
          rules={{ required: 'is required.' }}
        />
      )}
      <TextField
        form={form}
        name="name"
        id="action-name"
        label="Name"
        maxLength={200}
        rules={{ required: 'is required.' }}
      />
      <TextField form={form} name="description" id="action-description" label="Description" rows={2} maxLength={2000} />
      <SelectField
        form={form}
        name="runbookId"
        id="action-runbook"
        label="Runbook"
        hint="The runbook this action is a step of: responders see it there, on the alert and in the incident room."
        options={[{ value: '', text: chosenTeam ? 'No runbook' : 'Choose a team first' }, ...runbookOptions]}
      />
      <div className="grid-2">
        <SelectField
          form={form}
          name="kind"
          id="action-kind"
          label="Kind"
          disabled={!creating}
          options={[
            { value: 'http', text: 'HTTP request to your automation' },
            { value: 'agent', text: 'Command run by a Muster agent' },
          ]}
        />
        <SelectField
          form={form}
          name="mode"
          id="action-mode"
          label="Mode"
          options={[
            { value: 'manual', text: 'Manual: a responder runs it' },
            { value: 'approval', text: 'Approval: a second person approves' },
            { value: 'automatic', text: 'Automatic: on matching alerts' },
          ]}
        />
      </div>
      {kind === 'http' ? (
        <fieldset>
          <legend>HTTP request</legend>
          <SelectField
            form={form}
            name="method"
            id="action-method"
            label="Method"
            options={['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, text: m }))}
          />
          <TextField
            form={form}
            name="url"
            id="action-url"
            label="URL"
            placeholder="https://jenkins.example.com/job/restart/buildWithParameters?pod={{param.pod}}"
            hint="Templates: {{param.NAME}}, {{label.NAME}}, {{annotation.NAME}}, {{incident.key}}, {{alert.id}}, {{service.slug}}."
            rules={{ required: 'is required.' }}
          />
          <TextField
            form={form}
            name="headers"
            id="action-headers"
            label="Headers"
            rows={2}
            hint="One a line: Name: value."
          />
          <TextField form={form} name="body" id="action-body" label="JSON body" rows={4} spellCheck={false} />
          <TextField
            form={form}
            name="secret"
            id="action-secret"
            label="Signing secret"
            type="password"
            autoComplete="new-password"
            hint={
              existing?.http?.hasSecret
                ? 'A secret is saved. Leave empty to keep it; it is never shown again.'
                : 'Signs each request (X-Muster-Signature). Write-only: never shown again.'
            }
          />
          {me.isAdmin && (
            <CheckField
              form={form}
              name="allowPrivateAddress"
              id="action-private"
              label="Allow a private address (org admins only)"
            />
          )}
          <div className="grid-2">
            <SelectField
              form={form}
              name="dryRunWhere"
              id="action-dryrun-where"
              label="Dry run adds"
              options={[
                { value: '', text: 'No dry run' },
                { value: 'query', text: 'A query parameter' },
                { value: 'header', text: 'A header' },
                { value: 'body', text: 'A body field' },
              ]}
            />
            <TextField
              form={form}
              name="dryRunName"
              id="action-dryrun-name"
              label="Dry run name"
              placeholder="dry_run"
            />
          </div>
          <TextField form={form} name="dryRunValue" id="action-dryrun-value" label="Dry run value" placeholder="true" />
        </fieldset>
      ) : (
        <fieldset>
          <legend>Agent command</legend>
          <SelectField
            form={form}
            name="agentId"
            id="action-agent"
            label="Agent"
            options={[
              { value: '', text: "Any of the team's agents" },
              ...agentList.map((a) => ({ value: a.id, text: a.name })),
            ]}
          />
          <TextField
            form={form}
            name="command"
            id="action-command"
            label="Command"
            list="action-commands"
            hint="A command name from the agent's own allow-list."
            rules={{ required: 'is required.' }}
          />
          <datalist id="action-commands">
            {commands.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <TextField
            form={form}
            name="args"
            id="action-args"
            label="Arguments"
            rows={2}
            hint="One a line; each is one argument, never a shell string."
          />
          <TextField
            form={form}
            name="dryRunArgs"
            id="action-dryrun-args"
            label="Dry run arguments"
            rows={2}
            hint="One a line; empty: no dry run."
          />
        </fieldset>
      )}
      <fieldset>
        <legend>Parameters</legend>
        <p className="field-hint">
          Values taken from the alert&apos;s labels or annotations, or typed in when run. Each is checked against its
          pattern (default: letters, digits and <code>_.:/@-</code>).
        </p>
        {fields.map((f, n) => (
          <div key={f.id} className="auto-param-row">
            <span>
              <label htmlFor={`param-${n}-name`}>Name</label>
              <input id={`param-${n}-name`} {...form.register(`params.${n}.name`)} />
            </span>
            <span>
              <label htmlFor={`param-${n}-from`}>From</label>
              <select id={`param-${n}-from`} {...form.register(`params.${n}.from`)}>
                <option value="label">Label</option>
                <option value="annotation">Annotation</option>
                <option value="input">Typed in</option>
              </select>
            </span>
            <span>
              <label htmlFor={`param-${n}-key`}>Key</label>
              <input id={`param-${n}-key`} {...form.register(`params.${n}.key`)} />
            </span>
            <span>
              <label htmlFor={`param-${n}-pattern`}>Pattern</label>
              <input id={`param-${n}-pattern`} spellCheck={false} {...form.register(`params.${n}.pattern`)} />
            </span>
            <label className="check" htmlFor={`param-${n}-required`}>
              <input id={`param-${n}-required`} type="checkbox" {...form.register(`params.${n}.required`)} /> Required
            </label>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-label={`Remove parameter ${n + 1}`}
              onClick={() => remove(n)}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => append({ name: '', from: 'label', key: '', pattern: '', required: true })}
        >
          Add a parameter
        </button>
      </fieldset>
      {mode === 'automatic' && (
        <fieldset>
          <legend>Runs automatically when</legend>
          <TextField
            form={form}
            name="alertnames"
            id="action-alertnames"
            label="Alert names"
            hint="Comma-separated; empty: any."
          />
          <TextField
            form={form}
            name="severities"
            id="action-severities"
            label="Alert severities"
            hint="critical, error, warning, info; empty: any."
          />
          <TextField
            form={form}
            name="matchers"
            id="action-matchers"
            label="Label matchers"
            rows={2}
            hint="One a line: env = prod, pod =~ web-.*"
          />
          <TextField
            form={form}
            name="rateLimitPerHour"
            id="action-rate"
            label="At most runs an hour per service"
            type="number"
            min={1}
            max={100}
          />
        </fieldset>
      )}
      <div className="grid-2">
        <TextField
          form={form}
          name="timeoutSeconds"
          id="action-timeout"
          label="Timeout (seconds)"
          type="number"
          min={1}
          max={3600}
        />
        {!creating && <CheckField form={form} name="enabled" id="action-enabled" label="Enabled" />}
      </div>
      <ErrorBanner error={form.error} fields={['name', 'url', 'command', 'teamId', 'headers', 'body', 'matchers']} />
      <FormActions
        busy={form.busy}
        submit={creating ? 'Create the action' : 'Save'}
        onCancel={creating ? () => history.back() : undefined}
        remove={
          creating ? undefined : { label: 'Delete', confirmLabel: 'Delete the action', onConfirm: () => void remove_() }
        }
      />
    </form>
  );
  if (embedded) return content;
  return (
    <>
      <PageHeader title="New action" subtitle="A step of a runbook that a responder runs with one click." />
      <Card>{content}</Card>
    </>
  );
}
