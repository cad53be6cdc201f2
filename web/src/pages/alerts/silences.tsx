/**
 * Silences: alerts matching every label matcher (optionally of one service) are recorded but page nobody until the
 * silence ends. Prefilled from an alert: /silences?new=1&service=checkout&matcher=alertname%3DHighErrorRate
 */
import { useCallback, useMemo, useState } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
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
          <div className="tabs" role="tablist" aria-label="Silence status">
            {(['current', 'expired'] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? 'tab active' : 'tab'}
                onClick={() => setTab(t)}
              >
                {t === 'current' ? 'Active and upcoming' : 'Expired'}
                <span className="tab-count">{t === 'current' ? current.length : expired.length}</span>
              </button>
            ))}
          </div>
          {expireError ? <ErrorBanner error={expireError} /> : null}
          <Card>
            {silences.error ? (
              <LoadError error={silences.error} retry={silences.reload} />
            ) : !silences.data ? (
              <Loading what="Loading silences" />
            ) : list.length === 0 ? (
              <Empty>{tab === 'current' ? 'Nothing is silenced.' : 'No expired silences.'}</Empty>
            ) : (
              <table className="table" aria-label="Silences">
                <thead>
                  <tr>
                    <th>Matches</th>
                    <th>Service</th>
                    <th>When</th>
                    <th>Why</th>
                    <th>Status</th>
                    <th className="actions-col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => {
                    const svc = s.serviceId ? services.get(s.serviceId) : null;
                    return (
                      <tr key={s.id} className={s.status === 'expired' ? 'row-dim' : ''}>
                        <td>
                          <MatcherChips matchers={s.matchers} />
                        </td>
                        <td>
                          {!s.serviceId ? (
                            <span className="muted">all services</span>
                          ) : svc ? (
                            <Link to={`/services/${encodeURIComponent(svc.slug)}`}>{svc.name}</Link>
                          ) : (
                            <code>{s.serviceId}</code>
                          )}
                        </td>
                        <td className="small">
                          {formatTime(s.startsAt, user.timezone)} → {formatTime(s.endsAt, user.timezone)}
                          <div className="muted">
                            {s.status === 'expired'
                              ? `ended ${relativeTime(s.endsAt)}`
                              : s.status === 'pending'
                                ? `starts ${relativeTime(s.startsAt)}`
                                : `ends ${relativeTime(s.endsAt)}`}
                          </div>
                        </td>
                        <td>
                          <div className="clamp-2">{s.comment}</div>
                          <div className="muted small">
                            by {s.createdByLabel}
                            {s.expiredByLabel && `, expired by ${s.expiredByLabel}`}
                          </div>
                        </td>
                        <td>
                          <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge>
                        </td>
                        <td className="actions-col">
                          {s.status !== 'expired' && (
                            <ConfirmButton label="Expire" confirmLabel="Expire now" onConfirm={() => void expire(s)} />
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
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
  const [service, setService] = useState(initialService);
  const now = useMemo(() => new Date(), []);
  const [startsAt, setStartsAt] = useState(toLocalInput(now));
  const [endsAt, setEndsAt] = useState(toLocalInput(new Date(now.getTime() + 2 * 3600_000)));
  const [comment, setComment] = useState('');

  const update = (key: number, change: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));

  const form = useSubmit(
    useCallback(async () => {
      const start = fromLocalInput(startsAt);
      const end = fromLocalInput(endsAt);
      if (!end) throw new Error('Give the silence an end time.');
      await api.post<Silence>('/api/silences', {
        matchers: rows
          .filter((r) => r.name.trim())
          .map((r) => ({ name: r.name.trim(), value: r.value, ...fromOp(r.op) })),
        ...(service ? { service } : {}),
        ...(start ? { startsAt: start } : {}),
        endsAt: end,
        comment: comment.trim(),
      });
      onCreated();
    }, [rows, service, startsAt, endsAt, comment, onCreated]),
  );

  const start = fromLocalInput(startsAt);
  const end = fromLocalInput(endsAt);
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
          <Field
            label="Service"
            htmlFor="silence-service"
            error={form.fieldError('service')}
            hint="Only this service's alerts. Silencing every service needs an administrator."
          >
            <select id="silence-service" value={service} onChange={(e) => setService(e.target.value)}>
              <option value="">All services</option>
              {sorted.map((s) => (
                <option key={s.id} value={s.slug}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <div />
          <Field label="Starts" htmlFor="silence-starts" error={form.fieldError('startsAt')} hint={browserZone()}>
            <input
              id="silence-starts"
              type="datetime-local"
              value={startsAt}
              onChange={(e) => setStartsAt(e.target.value)}
            />
          </Field>
          <Field
            label="Ends"
            htmlFor="silence-ends"
            error={form.fieldError('endsAt')}
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
                      setEndsAt(toLocalInput(new Date(from.getTime() + d.ms)));
                    }}
                  >
                    {d.label}
                  </button>
                ))}
              </span>
            }
          >
            <input id="silence-ends" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
          </Field>
        </div>
        <Field label="Comment" htmlFor="silence-comment" error={form.fieldError('comment')} hint="Why, and a ticket.">
          <textarea id="silence-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Creating…' : 'Create silence'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
