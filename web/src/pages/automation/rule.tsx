/**
 * /automation/rules/new (`?team=`) and /automation/rules/:id: an automation rule's form — when (an alert triggers,
 * an incident is declared, a milestone is reached), on which conditions (severity, services, alert names, label
 * matchers, the milestone, drills), then what (suggest a runbook, run an action, page someone, post an update); every
 * runbook, action, schedule, policy and service picked by its name. An existing rule's page lists its firings: when,
 * for which incident or alert, what it did and how that went.
 */
import './automation.css';
import { useState } from 'react';
import { CheckField, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, Empty, Loading, PageHeader } from '../../components/ui.js';
import { api, ApiError, query } from '../../lib/api.js';
import { Link, navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { Service } from '../alerts/types.js';
import type { PageProps } from '../types.js';
import { usePeople, useTeams } from '../oncall/people.js';
import { formatMatchers, parseMatchers, splitList, useTeamRole, When } from './parts.js';
import {
  itemsOf,
  RULE_ACTION_TEXT,
  rulePage,
  runPage,
  TRIGGER_TEXT,
  type ActionSummary,
  type Firing,
  type Rule,
} from './types.js';

interface Values {
  teamId: string;
  name: string;
  enabled: boolean;
  trigger: string;
  severities: string;
  alertnames: string;
  matchers: string;
  milestone: string;
  includeDrills: boolean;
  action: string;
  runbookId: string;
  actionId: string;
  pageKind: string;
  pageTarget: string;
  message: string;
}

const MILESTONES = [
  { value: 'acknowledgedAt', text: 'Acknowledged' },
  { value: 'mitigatedAt', text: 'Mitigated' },
  { value: 'resolvedAt', text: 'Resolved' },
  { value: 'impactStartedAt', text: 'Impact started' },
  { value: 'detectedAt', text: 'Detected' },
];

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function valuesOf(r: Rule | null, teamId: string): Values {
  const c = r?.actionConfig ?? {};
  const pageKind = c.escalationPolicyId ? 'escalationPolicyId' : c.scheduleId ? 'scheduleId' : 'userId';
  return {
    teamId: r?.teamId ?? teamId,
    name: r?.name ?? '',
    enabled: r?.enabled ?? true,
    trigger: r?.trigger ?? 'alert_triggered',
    severities: (r?.conditions.severities ?? []).join(', '),
    alertnames: (r?.conditions.alertnames ?? []).join(', '),
    matchers: formatMatchers(r?.conditions.matchers),
    milestone: r?.conditions.milestone ?? 'mitigatedAt',
    includeDrills: r?.conditions.includeDrills ?? false,
    action: r?.action ?? 'suggest_runbook',
    runbookId: str(c.runbookId),
    actionId: str(c.actionId),
    pageKind,
    pageTarget: str(c[pageKind]),
    message: str(c.message),
  };
}

function bodyOf(v: Values, creating: boolean, serviceIds: string[]) {
  const m = parseMatchers(v.matchers);
  if (m.bad)
    throw new ApiError(400, 'validation_failed', 'Check the highlighted fields.', [
      { field: 'matchers', message: `cannot read "${m.bad}": write name = value, or =~, != and !~.` },
    ]);
  const conditions: Rule['conditions'] = { severities: splitList(v.severities), serviceIds };
  if (v.trigger === 'alert_triggered') {
    conditions.alertnames = splitList(v.alertnames);
    conditions.matchers = m.matchers;
  }
  if (v.trigger === 'milestone_reached') conditions.milestone = v.milestone;
  // Drills are incidents (a game day's): an alert rule has none to include.
  if (v.trigger !== 'alert_triggered' && v.includeDrills) conditions.includeDrills = true;
  const actionConfig =
    v.action === 'suggest_runbook'
      ? { runbookId: v.runbookId }
      : v.action === 'run_action'
        ? { actionId: v.actionId }
        : v.action === 'page'
          ? { [v.pageKind]: v.pageTarget, message: v.message.trim() }
          : { message: v.message.trim() };
  return {
    ...(creating ? { teamId: v.teamId } : {}),
    name: v.name.trim(),
    enabled: v.enabled,
    trigger: v.trigger,
    conditions,
    action: v.action,
    actionConfig,
  };
}

export function NewRulePage() {
  const { search } = useLocation();
  const teams = useTeams();
  // The team select needs its options before the form takes its first values.
  if (!teams.loaded) return <Loading what="Loading teams" />;
  return <RuleForm existing={null} teamId={search.get('team') ?? ''} />;
}

export function RulePage({ params }: PageProps) {
  const res = useApi<Rule>(`/api/automation-rules/${encodeURIComponent(params.id ?? '')}`);
  return (
    <Loadable resource={res} what="the rule">
      {(r) => (
        <>
          <RuleForm existing={r} teamId={r.teamId} />
          <FiringsCard rule={r} />
        </>
      )}
    </Loadable>
  );
}

const OUTCOME_TONE = { done: 'good', skipped: 'neutral', failed: 'bad' } as const;
const OUTCOME_TEXT = { done: 'Done', skipped: 'Skipped', failed: 'Failed' } as const;

function firingColumns(timeZone: string): Column<Firing>[] {
  return [
    {
      id: 'when',
      header: 'When',
      sortValue: (f) => f.firedAt,
      cell: (f) => <When iso={f.firedAt} timeZone={timeZone} />,
    },
    {
      id: 'subject',
      header: 'For',
      cell: (f) =>
        f.incidentId ? (
          <Link to={`/incidents/${encodeURIComponent(f.incidentId)}`}>
            Incident: {f.incidentTitle ?? 'a deleted incident'}
          </Link>
        ) : f.alertId ? (
          <Link to={`/alerts/${encodeURIComponent(f.alertId)}`}>Alert: {f.alertTitle ?? 'a deleted alert'}</Link>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      id: 'did',
      header: 'What it did',
      cell: (f) => (
        <>
          {f.detail || <span className="muted">—</span>}
          {f.runId && (
            <>
              {' '}
              <Link to={runPage(f.runId)}>See the run</Link>
            </>
          )}
        </>
      ),
    },
    {
      id: 'outcome',
      header: 'Outcome',
      sortValue: (f) => f.outcome,
      cell: (f) => (
        <span data-outcome={f.outcome}>
          <Badge tone={OUTCOME_TONE[f.outcome] ?? 'neutral'}>{OUTCOME_TEXT[f.outcome] ?? f.outcome}</Badge>
        </span>
      ),
    },
  ];
}

/** The rule's firings, newest first (the last 100). */
function FiringsCard({ rule }: { rule: Rule }) {
  const me = useUser();
  const res = useApi<{ items: Firing[] }>(`/api/automation-rules/${encodeURIComponent(rule.id)}/firings`);
  return (
    <Card title={`Firings (${rule.firingCount})`} className="auto-firings">
      <Loadable resource={res} what="the firings">
        {(d) =>
          d.items.length === 0 ? (
            <Empty>
              It has not fired yet. It fires at most once per incident (or per alert before there is an incident).
            </Empty>
          ) : (
            <DataTable
              label="Firings"
              testId="rule-firings"
              columns={firingColumns(me.timezone)}
              rows={d.items}
              rowKey={(f) => f.id}
              rowData={(f) => ({ 'data-firing-id': f.id })}
            />
          )
        }
      </Loadable>
    </Card>
  );
}

function RuleForm({ existing, teamId }: { existing: Rule | null; teamId: string }) {
  const creating = existing === null;
  const teams = useTeams();
  const people = usePeople();
  const roles = useTeamRole(teams.teams);
  const [serviceIds, setServiceIds] = useState<string[]>(existing?.conditions.serviceIds ?? []);
  const form = useApiForm<Values>(valuesOf(existing, teamId), async (v) => {
    // Services of another team (the team was changed while creating) are dropped; kept as they are until loaded.
    const chosen = services.data ? serviceIds.filter((id) => teamServices.some((s) => s.id === id)) : serviceIds;
    const body = bodyOf(v, creating, chosen);
    if (creating) {
      const r = await api.post<Rule>('/api/automation-rules', body);
      navigate(rulePage(r.id));
    } else {
      await api.patch(`/api/automation-rules/${encodeURIComponent(existing.id)}`, body);
      navigate(`/automation${query({ tab: 'rules', team: existing.teamId })}`);
    }
  });
  const trigger = form.watch('trigger');
  const action = form.watch('action');
  const pageKind = form.watch('pageKind');
  const team = form.watch('teamId');
  const runbooks = useApi<unknown>(team ? `/api/runbooks${query({ teamId: team })}` : null);
  const actions = useApi<unknown>(team ? `/api/actions${query({ teamId: team })}` : null);
  const services = useApi<{ services: Service[] }>('/api/services');
  const teamServices = (services.data?.services ?? []).filter((s) => s.teamId === team);
  const schedules = useApi<unknown>(
    team && pageKind === 'scheduleId' ? `/api/schedules${query({ teamId: team })}` : null,
  );
  const policies = useApi<unknown>(pageKind === 'escalationPolicyId' ? '/api/escalation-policies' : null);
  // The team's own policies, and other teams' shared ones (the server accepts those).
  const policyList = itemsOf<{ id: string; name: string; teamId: string; shared?: boolean }>(
    policies.data,
    'policies',
  ).filter((p) => p.teamId === team || p.shared);
  const named = (d: unknown, key: string) =>
    itemsOf<{ id: string; name?: string; title?: string }>(d, key).map((x) => ({
      value: x.id,
      text: x.name ?? x.title ?? x.id,
    }));
  // The saved choice stays selected while its list loads (a select shows its first option when the value has none),
  // and says so when it is gone from the list.
  const initial = valuesOf(existing, teamId);
  const keep = (opts: { value: string; text: string }[], field: keyof Values, loaded: boolean) => {
    const v = initial[field];
    if (typeof v !== 'string' || !v || opts.some((o) => o.value === v)) return opts;
    return [...opts, { value: v, text: loaded ? 'No longer available' : 'Loading…' }];
  };
  const targets =
    pageKind === 'userId'
      ? people.users.map((u) => ({ value: u.id, text: u.name || u.email }))
      : pageKind === 'scheduleId'
        ? named(schedules.data, 'schedules')
        : policyList.map((p) => ({ value: p.id, text: p.name }));

  const remove = async () => {
    if (!existing) return;
    await api.del(`/api/automation-rules/${encodeURIComponent(existing.id)}`);
    navigate(`/automation${query({ tab: 'rules', team: existing.teamId })}`);
  };

  // The team select needs its options when it mounts, or it shows the first one.
  if (creating && !teams.loaded) return <Loading what="Loading teams" />;
  return (
    <>
      <PageHeader
        title={creating ? 'New automation rule' : existing.name}
        subtitle="When something happens, do one thing: evaluated as a durable job, at most once per incident."
      />
      <Card>
        <form onSubmit={form.onSubmit} aria-label={creating ? 'New rule' : 'Edit the rule'} className="auto-form">
          {creating && (
            <SelectField
              form={form}
              name="teamId"
              id="rule-team"
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
            id="rule-name"
            label="Name"
            maxLength={200}
            rules={{ required: 'is required.' }}
          />
          <fieldset>
            <legend>When</legend>
            <SelectField
              form={form}
              name="trigger"
              id="rule-trigger"
              label="Trigger"
              options={Object.entries(TRIGGER_TEXT).map(([value, text]) => ({ value, text }))}
            />
            {trigger === 'milestone_reached' && (
              <SelectField form={form} name="milestone" id="rule-milestone" label="Milestone" options={MILESTONES} />
            )}
            <TextField
              form={form}
              name="severities"
              id="rule-severities"
              label="Severities"
              hint={
                trigger === 'alert_triggered'
                  ? 'Alert severities, comma-separated (critical, error, warning, info); empty: any.'
                  : 'Incident severities, comma-separated (P1, P2, P3, P4); empty: any.'
              }
            />
            {trigger === 'alert_triggered' && (
              <>
                <TextField
                  form={form}
                  name="alertnames"
                  id="rule-alertnames"
                  label="Alert names"
                  hint="Comma-separated; empty: any."
                />
                <TextField
                  form={form}
                  name="matchers"
                  id="rule-matchers"
                  label="Label matchers"
                  rows={2}
                  hint="One a line: env = prod, pod =~ web-.*"
                />
              </>
            )}
            <fieldset className="auto-services" aria-describedby="rule-services-hint">
              <legend>Services</legend>
              <p className="muted small" id="rule-services-hint">
                {trigger === 'alert_triggered'
                  ? "The alert's service is one of these; none ticked: any of the team's."
                  : "One of the incident's affected services is one of these; none ticked: any of the team's."}
              </p>
              {!team ? (
                <p className="muted small">Choose a team first.</p>
              ) : teamServices.length === 0 ? (
                <p className="muted small">{services.data ? 'The team has no services yet.' : 'Loading services…'}</p>
              ) : (
                <div className="auto-checks">
                  {teamServices.map((svc) => (
                    <label className="check" key={svc.id} htmlFor={`rule-service-${svc.id}`}>
                      <input
                        id={`rule-service-${svc.id}`}
                        type="checkbox"
                        checked={serviceIds.includes(svc.id)}
                        onChange={(e) =>
                          setServiceIds((ids) =>
                            e.target.checked ? [...ids, svc.id] : ids.filter((id) => id !== svc.id),
                          )
                        }
                      />{' '}
                      {svc.name}
                    </label>
                  ))}
                </div>
              )}
            </fieldset>
            {trigger !== 'alert_triggered' && (
              <CheckField
                form={form}
                name="includeDrills"
                id="rule-include-drills"
                label="Also for game-day drills (left out by default)"
              />
            )}
          </fieldset>
          <fieldset>
            <legend>Then</legend>
            <SelectField
              form={form}
              name="action"
              id="rule-action"
              label="Action"
              options={Object.entries(RULE_ACTION_TEXT).map(([value, text]) => ({ value, text }))}
            />
            {action === 'suggest_runbook' && (
              <SelectField
                form={form}
                name="runbookId"
                id="rule-runbook"
                label="Runbook"
                options={[
                  { value: '', text: 'Choose a runbook' },
                  ...keep(named(runbooks.data, 'runbooks'), 'runbookId', !!runbooks.data),
                ]}
              />
            )}
            {action === 'run_action' && (
              <SelectField
                form={form}
                name="actionId"
                id="rule-run-action"
                label="Remediation action"
                hint="Its own mode applies: an action that needs approval still waits for a person."
                options={[
                  { value: '', text: 'Choose an action' },
                  ...keep(
                    itemsOf<ActionSummary>(actions.data).map((a) => ({ value: a.id, text: a.name })),
                    'actionId',
                    !!actions.data,
                  ),
                ]}
              />
            )}
            {action === 'page' && (
              <div className="grid-2">
                <SelectField
                  form={form}
                  name="pageKind"
                  id="rule-page-kind"
                  label="Page"
                  options={[
                    { value: 'userId', text: 'A person' },
                    { value: 'scheduleId', text: 'Who is on call on a schedule' },
                    { value: 'escalationPolicyId', text: 'An escalation policy' },
                  ]}
                />
                <SelectField
                  form={form}
                  name="pageTarget"
                  id="rule-page-target"
                  label="Who"
                  options={[
                    { value: '', text: 'Choose' },
                    ...(pageKind === initial.pageKind
                      ? keep(
                          targets,
                          'pageTarget',
                          pageKind === 'userId'
                            ? people.users.length > 0
                            : !!(pageKind === 'scheduleId' ? schedules.data : policies.data),
                        )
                      : targets),
                  ]}
                />
              </div>
            )}
            {(action === 'page' || action === 'post_update') && (
              <TextField form={form} name="message" id="rule-message" label="Message" rows={2} maxLength={2000} />
            )}
          </fieldset>
          <CheckField form={form} name="enabled" id="rule-enabled" label="Enabled" />
          <ErrorBanner error={form.error} fields={['name', 'teamId', 'matchers']} />
          <FormActions
            busy={form.busy}
            submit={creating ? 'Create the rule' : 'Save'}
            onCancel={() => history.back()}
            remove={
              creating
                ? undefined
                : { label: 'Delete', confirmLabel: 'Delete the rule', onConfirm: () => void remove() }
            }
          />
        </form>
      </Card>
    </>
  );
}
