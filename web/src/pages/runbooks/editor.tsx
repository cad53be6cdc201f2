/**
 * /runbooks/new and /runbooks/:id/edit: the runbook editor. Markdown beside its preview on a desktop, Write and
 * Preview tabs on a phone; the title, the services it serves (picked by name), the alerts it is for (an alertname
 * and label matchers) and how often it is reviewed. Saving the text makes a new version and counts as a review. When
 * someone else saved first, the editor says so, keeps this text and offers their changes and a save over them.
 */
import { useEffect, useMemo, useState } from 'react';
import { Tabs } from '../../components/filters.js';
import {
  ErrorBanner,
  Field,
  FormActions,
  SelectField,
  TextField,
  useApiForm,
  type ApiForm,
} from '../../components/forms.js';
import { Markdown } from '../../components/markdown.js';
import { Loadable } from '../../components/state.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { relativeTime } from '../../lib/format.js';
import { Link, navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { Service } from '../alerts/types.js';
import { useTeams } from '../oncall/people.js';
import type { PageProps } from '../types.js';
import { MATCHER_OPS, runbookPath, type AlertRule, type MatcherOp, type Runbook } from './types.js';

const TEMPLATE = `## First steps

1. Acknowledge the alert and say in the incident room that you are on it.
2. Check the dashboard and the recent deploys of the service.

## Diagnose

\`\`\`
kubectl -n my-namespace get pods
\`\`\`

## Fix

- [ ] Roll back the last deploy if it started with it.

## Escalate

Who to call when this does not work.
`;

export function NewRunbookPage() {
  return <RunbookEditor existing={null} />;
}

export function EditRunbookPage({ params }: PageProps) {
  const id = params.id ?? '';
  const res = useApi<Runbook>(`/api/runbooks/${encodeURIComponent(id)}`);
  return (
    <Loadable
      resource={res}
      what="runbook"
      errorHeader={
        <div className="crumbs">
          <Link to="/runbooks">Runbooks</Link>
        </div>
      }
    >
      {(r) => <RunbookEditor key={r.id} existing={r} />}
    </Loadable>
  );
}

interface Values {
  teamId: string;
  title: string;
  body: string;
  reviewIntervalDays: string;
  note: string;
}

interface RuleRow {
  key: number;
  alertname: string;
  matchers: { key: number; name: string; op: MatcherOp; value: string }[];
}

let nextKey = 1;
const rowsOf = (rules: AlertRule[]): RuleRow[] =>
  rules.map((r) => ({
    key: nextKey++,
    alertname: r.alertname ?? '',
    matchers: r.matchers.map((m) => ({ key: nextKey++, ...m })),
  }));

/** The alert rules to send: empty matchers and empty rules dropped. */
function rulesOf(rows: RuleRow[]): AlertRule[] {
  return rows
    .map((r) => ({
      alertname: r.alertname.trim() || null,
      matchers: r.matchers.filter((m) => m.name.trim()).map((m) => ({ name: m.name.trim(), op: m.op, value: m.value })),
    }))
    .filter((r) => r.alertname || r.matchers.length);
}

function RunbookEditor({ existing }: { existing: Runbook | null }) {
  const me = useUser();
  const { search } = useLocation();
  const teams = useTeams();
  const services = useApi<{ services: Service[] }>('/api/services');
  const allServices = useMemo(
    () => [...(services.data?.services ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    [services.data],
  );
  const presetService = existing ? null : search.get('serviceId');
  const [serviceIds, setServiceIds] = useState<string[]>(
    existing?.serviceIds ?? (presetService ? [presetService] : []),
  );
  const [rules, setRules] = useState<RuleRow[]>(() => rowsOf(existing?.alertRules ?? []));
  const [baseVersion, setBaseVersion] = useState(existing?.version ?? 0);
  const [conflict, setConflict] = useState<Runbook | null>(null);
  const mine = useMemo(
    () => teams.teams.filter((t) => me.isAdmin || (t.myRole && t.myRole !== 'viewer')),
    [teams.teams, me.isAdmin],
  );

  const initial: Values = {
    teamId: existing?.teamId ?? '',
    title: existing?.title ?? '',
    body: existing?.body ?? TEMPLATE,
    reviewIntervalDays: String(existing?.reviewIntervalDays ?? 90),
    note: '',
  };

  const form = useApiForm<Values>(initial, async (v) => {
    const interval = Number(v.reviewIntervalDays);
    const common = {
      title: v.title.trim(),
      body: v.body,
      serviceIds,
      alertRules: rulesOf(rules),
      ...(v.reviewIntervalDays.trim() ? { reviewIntervalDays: interval } : {}),
    };
    if (!existing) {
      const created = await api.post<Runbook>('/api/runbooks', { teamId: v.teamId, ...common });
      navigate(runbookPath(created.id));
      return;
    }
    try {
      await api.patch<Runbook>(`/api/runbooks/${encodeURIComponent(existing.id)}`, {
        ...common,
        ...(v.note.trim() ? { note: v.note.trim() } : {}),
        baseVersion,
      });
      navigate(runbookPath(existing.id));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'version_conflict') {
        setConflict(await api.get<Runbook>(`/api/runbooks/${encodeURIComponent(existing.id)}`));
        return;
      }
      throw e;
    }
  });

  // The first team the writer can write for (or the preset service's team), once teams load.
  const teamId = form.watch('teamId');
  useEffect(() => {
    if (existing || teamId) return;
    const svcTeam = presetService ? allServices.find((s) => s.id === presetService)?.teamId : undefined;
    const pick = (svcTeam && mine.find((t) => t.id === svcTeam)) || mine[0];
    if (pick) form.setValue('teamId', pick.id);
  }, [existing, teamId, mine, form, presetService, allServices]);

  const body = form.watch('body');
  const title = form.watch('title');

  return (
    <>
      <div className="crumbs">
        <Link to="/runbooks">Runbooks</Link>
        {existing && (
          <>
            {' '}
            <span aria-hidden="true">/</span> <Link to={runbookPath(existing.id)}>{existing.title}</Link>
          </>
        )}
      </div>
      <PageHeader
        title={existing ? `Edit “${existing.title}”` : 'Write a runbook'}
        subtitle={
          existing
            ? `Version ${existing.version}. Saving the text makes version ${existing.version + 1} and counts as a review.`
            : 'The steps someone paged at night should take: short, in order, with the commands to copy.'
        }
      />
      {!existing && teams.loaded && mine.length === 0 && (
        <div className="banner banner-warn">
          Writing a runbook needs the responder role in a team. Ask a team admin to add you.
        </div>
      )}
      {conflict && (
        <ConflictBanner
          conflict={conflict}
          baseVersion={baseVersion}
          onKeep={() => {
            setBaseVersion(conflict.version);
            setConflict(null);
          }}
        />
      )}
      <form className="form rb-form" onSubmit={form.onSubmit} noValidate aria-label="Runbook">
        <ErrorBanner error={form.error} fields={['teamId', 'title', 'body', 'reviewIntervalDays', 'note']} />
        <Card>
          <div className="rb-form-top">
            <SelectField
              form={form}
              name="teamId"
              id="rb-team"
              label="Team"
              disabled={!!existing}
              options={
                existing
                  ? [{ value: existing.teamId, text: existing.teamName }]
                  : mine.map((t) => ({ value: t.id, text: t.name }))
              }
            />
            <TextField
              form={form}
              name="title"
              id="rb-title"
              label="Title"
              maxLength={200}
              placeholder="Checkout error rate is high"
              rules={{ required: 'is required', validate: (s) => (s.trim() ? true : 'is required') }}
            />
          </div>
          <StepsEditor form={form} title={title} body={body} />
        </Card>
        <div className="grid-2 align-start">
          <Card title="Services">
            <ServicePicker
              services={allServices}
              teamId={existing?.teamId ?? teamId}
              value={serviceIds}
              onChange={setServiceIds}
            />
          </Card>
          <Card title="Alerts it is for">
            <RulesEditor rows={rules} onChange={setRules} />
          </Card>
        </div>
        <Card>
          <div className="rb-form-top">
            <TextField
              form={form}
              name="reviewIntervalDays"
              id="rb-interval"
              type="number"
              min={1}
              max={730}
              label="Review every (days)"
              hint="The team is reminded when it has not been reviewed for this long."
            />
            {existing && (
              <TextField
                form={form}
                name="note"
                id="rb-note"
                label="What changed (optional)"
                maxLength={500}
                placeholder="Added the rollback command"
              />
            )}
          </div>
          <FormActions
            busy={form.busy}
            submit={existing ? 'Save a new version' : 'Create the runbook'}
            busyText="Saving…"
            disabled={!!conflict}
            onCancel={() => navigate(existing ? runbookPath(existing.id) : '/runbooks')}
            remove={
              existing
                ? { label: 'Archive', confirmLabel: 'Archive this runbook', onConfirm: () => void archive(existing.id) }
                : undefined
            }
          />
        </Card>
      </form>
    </>
  );
}

/** Someone saved since this editor opened: what to do, with the writer's text kept. */
function ConflictBanner({
  conflict,
  baseVersion,
  onKeep,
}: {
  conflict: Runbook;
  baseVersion: number;
  onKeep: () => void;
}) {
  return (
    <div className="banner banner-warn rb-conflict" role="alert" data-testid="rb-conflict">
      <div>
        <strong>Someone saved this runbook while you were editing.</strong> It is at version {conflict.version} now
        (saved {relativeTime(conflict.updatedAt)}). Your text is still here, nothing is lost.
      </div>
      <div className="form-actions">
        <Link
          to={`${runbookPath(conflict.id)}?tab=versions&from=${baseVersion}&to=${conflict.version}`}
          target="_blank"
          className="btn btn-small"
        >
          See what they changed
        </Link>
        <button type="button" className="btn btn-small btn-primary" onClick={onKeep}>
          Keep my text and save it after theirs
        </button>
      </div>
    </div>
  );
}

/** The Markdown body and its preview: side by side on a wide screen, a Write/Preview switch on a phone. */
function StepsEditor({ form, title, body }: { form: ApiForm<Values>; title: string; body: string }) {
  const [pane, setPane] = useState<'write' | 'preview'>('write');
  return (
    <>
      <Tabs
        label="Editor view"
        className="rb-pane-tabs"
        options={[
          { key: 'write', text: 'Write' },
          { key: 'preview', text: 'Preview' },
        ]}
        value={pane}
        onChange={setPane}
      />
      <div className={`rb-editor rb-show-${pane}`}>
        <div className="rb-editor-write">
          <TextField
            form={form}
            name="body"
            id="rb-body"
            label="Steps (Markdown)"
            rows={22}
            spellCheck
            hint={
              <>
                <code>## Heading</code>, <code>1. step</code>, <code>- [ ] check</code>, <code>```</code> for a command
                to copy, <code>| a | b |</code> for a table.
              </>
            }
          />
        </div>
        <div className="rb-editor-preview" aria-label="Preview">
          <div className="rb-preview-label">Preview</div>
          <div className="rb-preview">
            {title.trim() && <h2 className="rb-preview-title">{title}</h2>}
            {body.trim() ? (
              <Markdown source={body} headingOffset={2} copyCode />
            ) : (
              <p className="muted">Nothing to preview yet.</p>
            )}
          </div>
        </div>
      </div>
    </>
  );
}

async function archive(id: string): Promise<void> {
  try {
    await api.del(`/api/runbooks/${encodeURIComponent(id)}`);
    navigate('/runbooks');
  } catch (e) {
    window.alert(e instanceof ApiError ? e.message : 'The runbook could not be archived.');
  }
}

/** Services picked by name: the chosen ones as chips, the rest filtered by a search box (the team's first). */
function ServicePicker({
  services,
  teamId,
  value,
  onChange,
}: {
  services: Service[];
  teamId: string;
  value: string[];
  onChange: (ids: string[]) => void;
}) {
  const [text, setText] = useState('');
  const byId = new Map(services.map((s) => [s.id, s]));
  const needle = text.trim().toLowerCase();
  const shown = services
    .filter((s) => !value.includes(s.id))
    .filter((s) => !needle || s.name.toLowerCase().includes(needle) || s.slug.includes(needle))
    .sort((a, b) => Number(b.teamId === teamId) - Number(a.teamId === teamId));
  return (
    <div className="rb-picker">
      {value.length > 0 ? (
        <ul className="rb-chips" aria-label="Linked services">
          {value.map((id) => (
            <li key={id} className="rb-chip rb-chip-on">
              {byId.get(id)?.name ?? id}
              <button
                type="button"
                className="rb-chip-x"
                aria-label={`Remove ${byId.get(id)?.name ?? id}`}
                onClick={() => onChange(value.filter((v) => v !== id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">Not linked yet: its services&apos; alerts and incidents show it first.</p>
      )}
      <Field label="Add a service" htmlFor="rb-service-search">
        <input
          id="rb-service-search"
          type="search"
          placeholder="Type a name"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
        />
      </Field>
      <ul className="rb-picker-list" aria-label="Services to add">
        {shown.slice(0, 8).map((s) => (
          <li key={s.id}>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-label={`Add ${s.name}`}
              onClick={() => {
                onChange([...value, s.id]);
                setText('');
              }}
            >
              + {s.name}
            </button>
            {s.teamId !== teamId && <span className="muted small"> another team&apos;s</span>}
          </li>
        ))}
        {shown.length === 0 && <li className="muted small">No other service matches.</li>}
      </ul>
    </div>
  );
}

/** Alert rules: each an alertname and/or label matchers, all of which must hold. */
function RulesEditor({ rows, onChange }: { rows: RuleRow[]; onChange: (rows: RuleRow[]) => void }) {
  const update = (key: number, f: (r: RuleRow) => RuleRow) => onChange(rows.map((r) => (r.key === key ? f(r) : r)));
  return (
    <div className="rb-rules">
      {rows.length === 0 && (
        <p className="muted small">
          None: it shows on every alert of its services. Add a rule to show it first on the alerts it was written for.
        </p>
      )}
      {rows.map((r, i) => (
        <fieldset key={r.key} className="rb-rule" data-testid="rb-rule">
          <legend>Rule {i + 1}</legend>
          <Field label="Alert name" htmlFor={`rb-rule-${r.key}-name`} hint="The alertname label, exactly. Optional.">
            <input
              id={`rb-rule-${r.key}-name`}
              value={r.alertname}
              placeholder="HighErrorRate"
              spellCheck={false}
              onChange={(e) => update(r.key, (x) => ({ ...x, alertname: e.target.value }))}
            />
          </Field>
          {r.matchers.length > 0 && (
            <div className="matchers">
              {r.matchers.map((m, j) => (
                <div className="matcher" key={m.key}>
                  <input
                    aria-label={`Rule ${i + 1} label ${j + 1}`}
                    placeholder="label"
                    value={m.name}
                    spellCheck={false}
                    onChange={(e) =>
                      update(r.key, (x) => ({
                        ...x,
                        matchers: x.matchers.map((y) => (y.key === m.key ? { ...y, name: e.target.value } : y)),
                      }))
                    }
                  />
                  <select
                    aria-label={`Rule ${i + 1} operator ${j + 1}`}
                    value={m.op}
                    onChange={(e) =>
                      update(r.key, (x) => ({
                        ...x,
                        matchers: x.matchers.map((y) =>
                          y.key === m.key ? { ...y, op: e.target.value as MatcherOp } : y,
                        ),
                      }))
                    }
                  >
                    {MATCHER_OPS.map((op) => (
                      <option key={op} value={op}>
                        {op}
                      </option>
                    ))}
                  </select>
                  <input
                    aria-label={`Rule ${i + 1} value ${j + 1}`}
                    placeholder="value"
                    value={m.value}
                    spellCheck={false}
                    onChange={(e) =>
                      update(r.key, (x) => ({
                        ...x,
                        matchers: x.matchers.map((y) => (y.key === m.key ? { ...y, value: e.target.value } : y)),
                      }))
                    }
                  />
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={`Remove rule ${i + 1} label ${j + 1}`}
                    onClick={() =>
                      update(r.key, (x) => ({ ...x, matchers: x.matchers.filter((y) => y.key !== m.key) }))
                    }
                  >
                    ×
                  </button>
                </div>
              ))}
            </div>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-small"
              onClick={() =>
                update(r.key, (x) => ({
                  ...x,
                  matchers: [...x.matchers, { key: nextKey++, name: '', op: '=', value: '' }],
                }))
              }
            >
              Add a label matcher
            </button>
            <button
              type="button"
              className="btn btn-small btn-ghost-danger"
              onClick={() => onChange(rows.filter((x) => x.key !== r.key))}
            >
              Remove rule
            </button>
          </div>
        </fieldset>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onChange([...rows, { key: nextKey++, alertname: '', matchers: [] }])}
      >
        Add an alert rule
      </button>
      <p className="muted small">
        <code>=~</code> and <code>!~</code> take a regular expression over the whole value.
      </p>
    </div>
  );
}
