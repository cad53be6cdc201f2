/**
 * Silences: alerts matching every label matcher (optionally of one service) are recorded but page nobody until the
 * silence ends. Prefilled from an alert: /silences?new=1&service=checkout&matcher=alertname%3DHighErrorRate
 */
import { useMemo, useState } from 'react';
import { Tabs } from '../../components/filters.js';
import { ConfirmButton, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { useServiceNames } from './list.js';
import { browserZone, durationText, fromLocalInput, toLocalInput } from './time-input.js';
import type { Matcher, Service, Silence } from './types.js';

type Op = '=' | '!=' | '=~' | '!~';
const OPS: readonly Op[] = ['=', '!=', '=~', '!~'];
const OP_TEXT: Record<Op, string> = {
  '=': 'equals',
  '!=': 'does not equal',
  '=~': 'matches regex',
  '!~': 'does not match regex',
};

export const opOf = (m: Matcher): Op => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');
const fromOp = (op: Op) => ({ isRegex: op === '=~' || op === '!~', isEqual: op === '=' || op === '=~' });

/** `name=value` (or !=, =~, !~) into a matcher; null when it is not one. */
export function parseMatcher(s: string): Matcher | null {
  const m = /^([^=!~]+?)(=~|!~|!=|=)(.*)$/.exec(s.trim());
  if (!m) return null;
  return { name: m[1]!.trim(), value: m[3]!, ...fromOp(m[2] as Op) };
}

export function MatcherChips({ matchers }: { matchers: Matcher[] }) {
  return (
    <div className="badges">
      {matchers.map((m, i) => (
        <code key={i} className="matcher-chip">
          {m.name}
          {opOf(m)}
          {JSON.stringify(m.value)}
        </code>
      ))}
    </div>
  );
}

const STATUS_TONE = { active: 'good', pending: 'info', expired: 'neutral' } as const;
const TABS = [
  { key: 'current', text: 'Active and upcoming' },
  { key: 'expired', text: 'Expired' },
] as const;

/** When a window (a silence, a maintenance window) runs, and how far that is from now. */
export function WindowWhen({
  startsAt,
  endsAt,
  status,
  timeZone,
}: {
  startsAt: string;
  endsAt: string;
  status: 'active' | 'pending' | 'expired';
  timeZone: string;
}) {
  return (
    <>
      {formatTime(startsAt, timeZone)} → {formatTime(endsAt, timeZone)}
      <div className="muted">
        {status === 'expired'
          ? `ended ${relativeTime(endsAt)}`
          : status === 'pending'
            ? `starts ${relativeTime(startsAt)}`
            : `ends ${relativeTime(endsAt)}`}
      </div>
    </>
  );
}

export function SilencesPage() {
  const user = useUser();
  const { search } = useLocation();
  const silences = useApi<{ silences: Silence[] }>('/api/silences');
  const services = useServiceNames();
  const [showForm, setShowForm] = useState(search.get('new') === '1');
  const [tab, setTab] = useState<'current' | 'expired'>('current');
  const [expireError, setExpireError] = useState<unknown>(null);

  const expire = async (s: Silence) => {
    setExpireError(null);
    try {
      await api.post(`/api/silences/${encodeURIComponent(s.id)}/expire`);
      silences.reload();
    } catch (e) {
      setExpireError(e);
    }
  };

  const missing = silences.error instanceof ApiError && silences.error.status === 404;
  const all = silences.data?.silences ?? [];
  const current = all.filter((s) => s.status !== 'expired');
  const expired = all.filter((s) => s.status === 'expired');
  const list = tab === 'current' ? current : expired;
  const columns: Column<Silence>[] = [
    { id: 'matches', header: 'Matches', cell: (s) => <MatcherChips matchers={s.matchers} /> },
    {
      id: 'service',
      header: 'Service',
      cell: (s) => {
        const svc = s.serviceId ? services.get(s.serviceId) : null;
        return !s.serviceId ? (
          <span className="muted">all services</span>
        ) : svc ? (
          <Link to={`/services/${encodeURIComponent(svc.slug)}`}>{svc.name}</Link>
        ) : (
          <code>{s.serviceId}</code>
        );
      },
    },
    {
      id: 'when',
      header: 'When',
      className: 'small',
      sortValue: (s) => s.startsAt,
      cell: (s) => <WindowWhen startsAt={s.startsAt} endsAt={s.endsAt} status={s.status} timeZone={user.timezone} />,
    },
    {
      id: 'why',
      header: 'Why',
      cell: (s) => (
        <>
          <div className="clamp-2">{s.comment}</div>
          <div className="muted small">
            by {s.createdByLabel}
            {s.expiredByLabel && `, expired by ${s.expiredByLabel}`}
          </div>
        </>
      ),
    },
    { id: 'status', header: 'Status', cell: (s) => <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge> },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (s) =>
        s.status !== 'expired' && (
          <ConfirmButton label="Expire" confirmLabel="Expire now" onConfirm={() => void expire(s)} />
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Silences"
        subtitle="While a silence is active, matching alerts are still recorded but page nobody. Give every silence an end and a reason."
        actions={
          !showForm &&
          !missing && (
            <button type="button" className="btn btn-primary" onClick={() => setShowForm(true)}>
              New silence
            </button>
          )
        }
      />
      {missing ? (
        <div className="banner banner-info">This server does not have silences yet.</div>
      ) : (
        <>
          {showForm && (
            <CreateSilence
              services={[...services.values()]}
              initialService={search.get('service') ?? ''}
              initialMatchers={search
                .getAll('matcher')
                .map(parseMatcher)
                .filter((m): m is Matcher => !!m)}
              onCreated={() => {
                setShowForm(false);
                setTab('current');
                silences.reload();
              }}
              onCancel={() => setShowForm(false)}
            />
          )}
          <Tabs
            label="Silence status"
            options={TABS}
            value={tab}
            onChange={setTab}
            count={(t) => <span className="tab-count">{t === 'current' ? current.length : expired.length}</span>}
          />
          {expireError ? <ErrorBanner error={expireError} /> : null}
          <Card>
            <Loadable
              resource={silences}
              what="silences"
              isEmpty={() => list.length === 0}
              empty={tab === 'current' ? 'Nothing is silenced.' : 'No expired silences.'}
            >
              {() => (
                <DataTable
                  label="Silences"
                  columns={columns}
                  rows={list}
                  rowKey={(s) => s.id}
                  rowClassName={(s) => (s.status === 'expired' ? 'row-dim' : undefined)}
                />
              )}
            </Loadable>
          </Card>
        </>
      )}
    </>
  );
}

interface Row {
  key: number;
  name: string;
  op: Op;
  value: string;
}

const DURATIONS = [
  { label: '1 h', ms: 3600_000 },
  { label: '2 h', ms: 2 * 3600_000 },
  { label: '4 h', ms: 4 * 3600_000 },
  { label: '1 day', ms: 24 * 3600_000 },
];

function CreateSilence({
  services,
  initialService,
  initialMatchers,
  onCreated,
  onCancel,
}: {
  services: Service[];
  initialService: string;
  initialMatchers: Matcher[];
  onCreated: () => void;
  onCancel: () => void;
}) {
  const [rows, setRows] = useState<Row[]>(() =>
    (initialMatchers.length ? initialMatchers : [{ name: '', value: '', isRegex: false, isEqual: true }]).map(
      (m, i) => ({ key: i, name: m.name, op: opOf(m), value: m.value }),
    ),
  );
  const now = useMemo(() => new Date(), []);

  const update = (key: number, change: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));

  const form = useApiForm(
    {
      service: initialService,
      startsAt: toLocalInput(now),
      endsAt: toLocalInput(new Date(now.getTime() + 2 * 3600_000)),
      comment: '',
    },
    async (v) => {
      const start = fromLocalInput(v.startsAt);
      const end = fromLocalInput(v.endsAt);
      if (!end) throw new Error('Give the silence an end time.');
      await api.post<Silence>('/api/silences', {
        matchers: rows
          .filter((r) => r.name.trim())
          .map((r) => ({ name: r.name.trim(), value: r.value, ...fromOp(r.op) })),
        ...(v.service ? { service: v.service } : {}),
        ...(start ? { startsAt: start } : {}),
        endsAt: end,
        comment: v.comment.trim(),
      });
      onCreated();
    },
  );

  const start = fromLocalInput(form.watch('startsAt'));
  const end = fromLocalInput(form.watch('endsAt'));
  const length = start && end ? Date.parse(end) - Date.parse(start) : null;

  return (
    <Card title="New silence">
      <form onSubmit={form.onSubmit} noValidate aria-label="New silence">
        <ErrorBanner error={form.error} fields={['comment', 'endsAt', 'startsAt', 'service']} />
        <fieldset className="plain">
          <legend>Alerts whose labels match all of these</legend>
          <div className="matchers">
            {rows.map((r, i) => (
              <div className="matcher" key={r.key}>
                <input
                  aria-label={`Label name ${i + 1}`}
                  placeholder="alertname"
                  value={r.name}
                  onChange={(e) => update(r.key, { name: e.target.value })}
                />
                <select
                  aria-label={`Operator ${i + 1}`}
                  value={r.op}
                  onChange={(e) => update(r.key, { op: e.target.value as Op })}
                >
                  {OPS.map((op) => (
                    <option key={op} value={op} title={OP_TEXT[op]}>
                      {op}
                    </option>
                  ))}
                </select>
                <input
                  aria-label={`Value ${i + 1}`}
                  placeholder={r.op.includes('~') ? 'High.*|Disk.*' : 'HighErrorRate'}
                  value={r.value}
                  onChange={(e) => update(r.key, { value: e.target.value })}
                />
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-label={`Remove matcher ${i + 1}`}
                  disabled={rows.length === 1}
                  onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                >
                  Remove
                </button>
              </div>
            ))}
          </div>
          <button
            type="button"
            className="btn btn-small"
            onClick={() =>
              setRows((rs) => [...rs, { key: Math.max(0, ...rs.map((x) => x.key)) + 1, name: '', op: '=', value: '' }])
            }
          >
            Add matcher
          </button>
          <p className="field-hint">
            <code>=~</code> and <code>!~</code> take a regular expression in RE2 syntax (as Alertmanager: no look-around
            or back-references; <code>(?i)</code> for case-insensitive) that must match the whole value.
          </p>
        </fieldset>
        <div className="grid-2">
          <SelectField
            form={form}
            name="service"
            id="silence-service"
            label="Service"
            hint="Only this service's alerts. Silencing every service needs an administrator."
            options={[{ value: '', text: 'All services' }, ...sorted.map((s) => ({ value: s.slug, text: s.name }))]}
          />
          <div />
          <TextField
            form={form}
            name="startsAt"
            id="silence-starts"
            label="Starts"
            type="datetime-local"
            hint={browserZone()}
          />
          <TextField
            form={form}
            name="endsAt"
            id="silence-ends"
            label="Ends"
            type="datetime-local"
            hint={
              <span className="quick-durations">
                {length !== null && length > 0 ? `${durationText(length)} · ` : ''}
                {DURATIONS.map((d) => (
                  <button
                    key={d.label}
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => {
                      const from = start ? new Date(start) : new Date();
                      form.setValue('endsAt', toLocalInput(new Date(from.getTime() + d.ms)), { shouldDirty: true });
                    }}
                  >
                    {d.label}
                  </button>
                ))}
              </span>
            }
          />
        </div>
        <TextField form={form} name="comment" id="silence-comment" label="Comment" rows={2} hint="Why, and a ticket." />
        <FormActions busy={form.busy} submit="Create silence" busyText="Creating…" onCancel={onCancel} />
      </form>
    </Card>
  );
}
