/**
 * Settings → Import (docs/import.md): import an organisation from PagerDuty, Opsgenie or Grafana OnCall. Preview runs a
 * dry run (the plan, what cannot be carried over, history counts); Import applies it and shows the fidelity table and
 * the integration keys made, each secret once. The token stays in the form only; it is sent with the request and never
 * stored.
 */
import { useRef, useState } from 'react';
import { CheckField, ErrorBanner, SelectField, TextField, useApiForm } from '../components/forms.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, CopyButton, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';

type Source = 'pagerduty' | 'opsgenie' | 'grafana-oncall';

const SOURCES: { value: Source; text: string }[] = [
  { value: 'pagerduty', text: 'PagerDuty' },
  { value: 'opsgenie', text: 'Opsgenie' },
  { value: 'grafana-oncall', text: 'Grafana OnCall' },
];

const BASE_HINT: Record<Source, string> = {
  pagerduty: 'Leave empty for https://api.pagerduty.com.',
  opsgenie: 'Leave empty for https://api.opsgenie.com (EU accounts: https://api.eu.opsgenie.com).',
  'grafana-oncall': "Required: your Grafana OnCall stack's URL.",
};

interface Unmapped {
  object: string;
  field?: string;
  reason: string;
  outcome: 'dropped' | 'approximated';
}
interface FidelityRow {
  schedule: string;
  source: string;
  matchingMinutes: number;
  totalMinutes: number;
  percent: number;
  firstDifferences: { at: number; source: string[]; muster: string[] }[];
}
interface Change {
  action: 'create' | 'update' | 'delete';
  kind: string;
  key: string;
  fields: { field: string }[];
}
interface Report {
  source: Source;
  dryRun: boolean;
  plan: { changes: Change[]; summary: { create: number; update: number; delete: number; unmanaged: number } };
  integrationKeys: { service: string; name: string; source: string; prefix: string; key: string }[];
  unmapped: Unmapped[];
  fidelity: FidelityRow[];
  history: { found: number; imported: number; alreadyImported: number };
  requests: { total: number; rateLimited: number };
}

interface Values {
  source: Source;
  baseUrl: string;
  token: string;
  historyMonths: string;
  allowPrivateAddress: boolean;
}

const changeColumns: Column<Change>[] = [
  {
    id: 'action',
    header: 'Change',
    cell: (c) => (
      <Badge tone={c.action === 'create' ? 'good' : 'info'}>{c.action === 'create' ? 'Create' : 'Update'}</Badge>
    ),
  },
  { id: 'kind', header: 'Kind', cell: (c) => c.kind },
  { id: 'key', header: 'Name', className: 'strong', cell: (c) => c.key },
  {
    id: 'fields',
    header: 'Fields',
    hideOnPhone: true,
    cell: (c) => (c.action === 'update' ? c.fields.map((f) => f.field).join(', ') : ''),
  },
];

const unmappedColumns: Column<Unmapped>[] = [
  { id: 'object', header: 'Object', className: 'strong', cell: (u) => u.object + (u.field ? ` ${u.field}` : '') },
  {
    id: 'outcome',
    header: 'Outcome',
    cell: (u) =>
      u.outcome === 'dropped' ? <Badge tone="warn">Not imported</Badge> : <Badge tone="info">Approximated</Badge>,
  },
  { id: 'reason', header: 'Why', cell: (u) => u.reason },
];

const fidelityColumns: Column<FidelityRow>[] = [
  { id: 'schedule', header: 'Schedule', className: 'strong', cell: (f) => f.schedule },
  { id: 'source', header: 'In the source', hideOnPhone: true, cell: (f) => f.source },
  {
    id: 'minutes',
    header: 'Matching minutes',
    cell: (f) => `${f.matchingMinutes.toLocaleString()} of ${f.totalMinutes.toLocaleString()}`,
  },
  {
    id: 'percent',
    header: 'Match',
    cell: (f) => <Badge tone={f.percent === 100 ? 'good' : 'warn'}>{f.percent.toFixed(1)}%</Badge>,
  },
];

export function ImportPage() {
  const [report, setReport] = useState<Report | null>(null);
  // Which button sent the form: Preview (a dry run) or Import.
  const mode = useRef<'preview' | 'import'>('preview');
  const form = useApiForm<Values>(
    { source: 'pagerduty', baseUrl: '', token: '', historyMonths: '0', allowPrivateAddress: false },
    async (v) => {
      setReport(null);
      const r = await api.post<Report>('/api/import', {
        source: v.source,
        token: v.token,
        ...(v.baseUrl.trim() ? { baseUrl: v.baseUrl.trim() } : {}),
        ...(v.allowPrivateAddress ? { allowPrivateAddress: true } : {}),
        dryRun: mode.current === 'preview',
        historyMonths: Number(v.historyMonths) || 0,
      });
      setReport(r);
    },
  );
  const source = form.watch('source');
  const busyText = mode.current === 'preview' ? 'Reading the source…' : 'Importing…';

  return (
    <>
      <PageHeader
        title="Import"
        subtitle="Bring schedules, escalation policies, services, teams and people over from another tool. Nothing in Muster is deleted."
      />
      <Card title="Source">
        <form onSubmit={form.onSubmit} className="form" noValidate>
          <ErrorBanner error={form.error} fields={['source', 'baseUrl', 'token', 'historyMonths']} />
          <SelectField form={form} name="source" id="import-source" label="Import from" options={SOURCES} />
          <TextField
            form={form}
            name="baseUrl"
            id="import-base-url"
            label="API URL"
            type="url"
            hint={BASE_HINT[source]}
            spellCheck={false}
          />
          <TextField
            form={form}
            name="token"
            id="import-token"
            label="API token"
            type="password"
            autoComplete="off"
            hint="A read-only token is enough. It is used for this import only and never stored."
            rules={{ required: 'Enter the API token.' }}
          />
          <TextField
            form={form}
            name="historyMonths"
            id="import-history"
            label="Past incidents (months)"
            type="number"
            min={0}
            max={24}
            hint="Resolved incidents of the last 0–24 months, as imported incidents: they page nobody and keep your response-time trends going."
          />
          <CheckField
            form={form}
            name="allowPrivateAddress"
            id="import-private"
            label="The API URL is on a private network (on-premises Grafana OnCall)"
          />
          <div className="form-actions">
            <button
              type="submit"
              className="btn"
              disabled={form.busy}
              onClick={() => {
                mode.current = 'preview';
              }}
            >
              {form.busy && mode.current === 'preview' ? busyText : 'Preview'}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              disabled={form.busy}
              onClick={() => {
                mode.current = 'import';
              }}
            >
              {form.busy && mode.current === 'import' ? busyText : 'Import'}
            </button>
          </div>
        </form>
      </Card>
      {report && <ImportResult report={report} />}
    </>
  );
}

function ImportResult({ report: r }: { report: Report }) {
  const s = r.plan.summary;
  const changes = r.plan.changes.filter((c) => c.action !== 'delete');
  return (
    <div data-testid="import-result">
      <Card title={r.dryRun ? 'Preview: nothing has changed yet' : 'Imported'}>
        <p>
          {s.create} to create, {s.update} to update
          {s.unmanaged ? `, ${s.unmanaged} already in Muster and left as they are` : ''}.{' '}
          {r.dryRun ? 'Select Import to apply it.' : changes.length === 0 ? 'Nothing needed changing.' : ''}
        </p>
        <p className="muted small">
          History: {r.history.found} past incidents found, {r.history.imported} imported, {r.history.alreadyImported}{' '}
          imported before. {r.requests.total} requests to the source ({r.requests.rateLimited} waited out for its rate
          limit).
        </p>
        {changes.length > 0 && (
          <DataTable
            label="Changes"
            columns={changeColumns}
            rows={changes}
            rowKey={(c) => `${c.kind}/${c.key}`}
            dense
            testId="import-changes"
          />
        )}
      </Card>
      {r.integrationKeys.length > 0 && (
        <Card title="New integration keys">
          <p className="secret-note">
            <strong>Copy them now: they are shown this once.</strong> Muster keeps only a hash. Point each monitor at
            Muster with its key.
          </p>
          <ul className="plain-list" data-testid="import-keys">
            {r.integrationKeys.map((k) => (
              <li key={`${k.service}/${k.name}`}>
                <strong>{k.service}</strong> {k.name} ({k.source}): <code className="break">{k.key}</code>{' '}
                <CopyButton value={k.key} />
              </li>
            ))}
          </ul>
        </Card>
      )}
      {!r.dryRun && (
        <Card title="Fidelity over the next 8 weeks">
          <p className="muted small">
            Minutes where Muster has the same people on call as the source&apos;s own schedule.
          </p>
          <DataTable
            label="Fidelity"
            columns={fidelityColumns}
            rows={r.fidelity}
            rowKey={(f) => f.schedule}
            testId="import-fidelity"
          />
        </Card>
      )}
      <Card title={`Not carried over or approximated (${r.unmapped.length})`}>
        {r.unmapped.length === 0 ? (
          <p>Everything was carried over.</p>
        ) : (
          <DataTable
            label="Not carried over"
            columns={unmappedColumns}
            rows={r.unmapped}
            rowKey={(u) => `${u.object}/${u.field ?? ''}/${u.reason}`}
            testId="import-unmapped"
          />
        )}
      </Card>
    </div>
  );
}
