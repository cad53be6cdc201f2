/**
 * /runbooks/:id: one runbook as a responder reads it: the steps (Markdown with copyable commands and ticks), its
 * one-click actions, which services and alerts it is for, how fresh it is ("Mark reviewed"), and its versions with a
 * diff between any two. The tab and the compared versions live in the URL.
 */
import { useState } from 'react';
import { Tabs, useUrlFilters } from '../../components/filters.js';
import { ErrorBanner } from '../../components/forms.js';
import { Markdown } from '../../components/markdown.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card, Empty, PageHeader } from '../../components/ui.js';
import { api, query } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { ActionRun, ReviewLine, StaleBadge } from './parts.js';
import {
  diffLines,
  ruleText,
  runbookPath,
  type Runbook,
  type RunbookDiff,
  type RunbookVersion,
  type RunbookVersionDetail,
} from './types.js';

const TABS = [
  { key: 'read', text: 'Runbook' },
  { key: 'versions', text: 'Versions' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

export function RunbookPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useUser();
  const { search } = useLocation();
  const setFilter = useUrlFilters(runbookPath(id), { tab: 'read' });
  const tab: TabKey = search.get('tab') === 'versions' ? 'versions' : 'read';
  const res = useApi<Runbook>(`/api/runbooks/${encodeURIComponent(id)}`);
  const [override, setOverride] = useState<Runbook | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const [reviewError, setReviewError] = useState<unknown>(null);
  const crumbs = (
    <div className="crumbs">
      <Link to="/runbooks">Runbooks</Link>
    </div>
  );

  const markReviewed = async () => {
    setReviewing(true);
    setReviewError(null);
    try {
      setOverride(await api.post<Runbook>(`/api/runbooks/${encodeURIComponent(id)}/review`, {}));
      res.reload();
    } catch (e) {
      setReviewError(e);
    } finally {
      setReviewing(false);
    }
  };

  return (
    <Loadable resource={res} what="runbook" errorHeader={crumbs}>
      {(loaded) => {
        const r = override && override.updatedAt >= loaded.updatedAt ? override : loaded;
        return (
          <div className="rb-page">
            <div className="crumbs">
              <Link to="/runbooks">Runbooks</Link> <span aria-hidden="true">/</span> <span>{r.teamName}</span>
            </div>
            <PageHeader
              title={r.title}
              subtitle={
                <>
                  {r.teamName} · version {r.version} <StaleBadge runbook={r} />
                </>
              }
              actions={
                <Link to={`${runbookPath(r.id)}/edit`} className="btn btn-primary">
                  Edit
                </Link>
              }
            />
            <div
              className={r.isStale ? 'banner banner-warn rb-review' : 'banner banner-info rb-review'}
              role="status"
              data-testid="rb-review"
            >
              <span>
                <ReviewLine runbook={r} /> (every {r.reviewIntervalDays} days)
                {r.isStale && <> — read it through and fix what changed, or mark it reviewed if it still holds.</>}
              </span>
              <button type="button" className="btn btn-small" disabled={reviewing} onClick={() => void markReviewed()}>
                {reviewing ? 'Marking…' : 'Mark reviewed'}
              </button>
            </div>
            {reviewError ? <ErrorBanner error={reviewError} /> : null}
            <Tabs label="Runbook views" options={TABS} value={tab} onChange={(k) => setFilter({ tab: k })} />
            {tab === 'read' ? (
              <div className="rb-layout">
                <div className="rb-main">
                  <Card>
                    {r.body.trim() ? (
                      <Markdown source={r.body} headingOffset={1} copyCode className="rb-body" />
                    ) : (
                      <Empty>
                        This runbook has no steps yet. <Link to={`${runbookPath(r.id)}/edit`}>Write them</Link>.
                      </Empty>
                    )}
                  </Card>
                </div>
                <aside className="rb-side">
                  <Card title="Actions">
                    {r.actions.length ? (
                      <div className="rb-actions">
                        {r.actions.map((a) => (
                          <ActionRun key={a.id} action={a} />
                        ))}
                      </div>
                    ) : (
                      <p className="muted small">
                        No one-click actions yet. A team admin adds them on the{' '}
                        <Link to="/automation">automation page</Link>.
                      </p>
                    )}
                  </Card>
                  <Card title="Services">
                    {r.services.length ? (
                      <ul className="rb-plain-list">
                        {r.services.map((s) => (
                          <li key={s.id}>
                            <Link to={`/services/${encodeURIComponent(s.slug)}`}>{s.name}</Link>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <p className="muted small">Not linked to a service: it shows on no alert by service.</p>
                    )}
                  </Card>
                  <Card title="Alerts it is for">
                    {r.alertRules.length ? (
                      <ul className="rb-plain-list">
                        {r.alertRules.map((rule, i) => (
                          <li key={rule.id ?? i}>
                            <code>{ruleText(rule)}</code>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <p className="muted small">No alert rules: it shows on its services&apos; alerts.</p>
                    )}
                  </Card>
                  <p className="muted small">
                    Created {formatTime(r.createdAt, user.timezone)} · updated {relativeTime(r.updatedAt)}
                  </p>
                </aside>
              </div>
            ) : (
              <Versions runbook={r} timeZone={user.timezone} />
            )}
          </div>
        );
      }}
    </Loadable>
  );
}

function Versions({ runbook, timeZone }: { runbook: Runbook; timeZone: string }) {
  const { search } = useLocation();
  const setFilter = useUrlFilters(runbookPath(runbook.id), { tab: 'read' });
  const versions = useApi<{ items: RunbookVersion[] }>(`/api/runbooks/${encodeURIComponent(runbook.id)}/versions`);
  const toParam = Number(search.get('to'));
  const fromParam = Number(search.get('from'));
  const to = Number.isInteger(toParam) && toParam > 0 ? toParam : runbook.version;
  const from = Number.isInteger(fromParam) && fromParam > 0 ? fromParam : Math.max(1, to - 1);
  const [viewing, setViewing] = useState<number | null>(null);

  const columns: Column<RunbookVersion>[] = [
    {
      id: 'version',
      header: 'Version',
      sortValue: (v) => v.version,
      cell: (v) => (
        <button type="button" className="rb-linkish strong" onClick={() => setViewing(v.version)}>
          v{v.version}
        </button>
      ),
    },
    {
      id: 'note',
      header: 'Change',
      cell: (v) => (
        <>
          {v.note ? v.note : <span className="muted">no note</span>}
          <div className="muted small">{v.title}</div>
        </>
      ),
    },
    { id: 'author', header: 'By', cell: (v) => v.authorLabel },
    {
      id: 'at',
      header: 'When',
      className: 'nowrap',
      sortValue: (v) => v.createdAt,
      cell: (v) => <span title={relativeTime(v.createdAt)}>{formatTime(v.createdAt, timeZone)}</span>,
    },
    {
      id: 'compare',
      header: 'Compare',
      headerHidden: true,
      align: 'actions',
      cell: (v) =>
        v.version > 1 ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setFilter({ tab: 'versions', from: String(v.version - 1), to: String(v.version) })}
          >
            What changed
          </button>
        ) : null,
    },
  ];

  return (
    <Loadable resource={versions} what="versions" isEmpty={(d) => d.items.length === 0}>
      {(d) => {
        const numbers = d.items.map((v) => v.version).sort((a, b) => b - a);
        const options = numbers.map((n) => ({ value: String(n), text: `v${n}` }));
        return (
          <>
            {numbers.length > 1 && (
              <Card title="Compare two versions">
                <div className="filter-bar rb-compare" role="group" aria-label="Compare versions">
                  <label htmlFor="rb-diff-from">From</label>
                  <select
                    id="rb-diff-from"
                    value={String(from)}
                    onChange={(e) => setFilter({ tab: 'versions', from: e.target.value, to: String(to) })}
                  >
                    {options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.text}
                      </option>
                    ))}
                  </select>
                  <label htmlFor="rb-diff-to">to</label>
                  <select
                    id="rb-diff-to"
                    value={String(to)}
                    onChange={(e) => setFilter({ tab: 'versions', from: String(from), to: e.target.value })}
                  >
                    {options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.text}
                      </option>
                    ))}
                  </select>
                </div>
                {from === to ? (
                  <p className="muted">Pick two different versions.</p>
                ) : (
                  <DiffView runbookId={runbook.id} from={from} to={to} />
                )}
              </Card>
            )}
            <Card className="card-flush">
              <DataTable
                label="Versions"
                columns={columns}
                rows={d.items}
                rowKey={(v) => String(v.version)}
                initialSort={{ id: 'version', desc: true }}
                rowDetail={(v) =>
                  viewing === v.version ? (
                    <VersionBody runbookId={runbook.id} version={v.version} onClose={() => setViewing(null)} />
                  ) : null
                }
              />
            </Card>
          </>
        );
      }}
    </Loadable>
  );
}

function VersionBody({ runbookId, version, onClose }: { runbookId: string; version: number; onClose: () => void }) {
  const res = useApi<RunbookVersionDetail>(`/api/runbooks/${encodeURIComponent(runbookId)}/versions/${version}`);
  return (
    <div className="rb-version-body">
      <div className="rb-card-head">
        <strong>Version {version} as it was</strong>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <Loadable resource={res} what="version">
        {(v) => <Markdown source={v.body} headingOffset={2} copyCode />}
      </Loadable>
    </div>
  );
}

function DiffView({ runbookId, from, to }: { runbookId: string; from: number; to: number }) {
  const res = useApi<RunbookDiff>(`/api/runbooks/${encodeURIComponent(runbookId)}/diff${query({ from, to })}`);
  return (
    <Loadable resource={res} what="changes">
      {(d) => {
        const lines = diffLines(d);
        const changed = lines.some((l) => l.sign === '+' || l.sign === '-');
        return (
          <div className="rb-diff" data-testid="rb-diff">
            {d.title.from !== d.title.to && (
              <p>
                Title: <del>{d.title.from}</del> → <ins>{d.title.to}</ins>
              </p>
            )}
            {!changed ? (
              <p className="muted">
                The text is the same in v{d.from} and v{d.to}.
              </p>
            ) : (
              <pre className="rb-diff-lines" aria-label={`Changes from v${d.from} to v${d.to}`}>
                {lines.map((l, i) => (
                  <span
                    key={i}
                    className={
                      l.sign === '+' ? 'rb-add' : l.sign === '-' ? 'rb-del' : l.sign === '@' ? 'rb-hunk' : 'rb-same'
                    }
                  >
                    <span className="rb-sign" aria-hidden="true">
                      {l.sign === '@' ? '…' : l.sign}
                    </span>
                    {l.sign === '+' ? <ins>{l.text}</ins> : l.sign === '-' ? <del>{l.text}</del> : l.text}
                    {'\n'}
                  </span>
                ))}
              </pre>
            )}
          </div>
        );
      }}
    </Loadable>
  );
}
