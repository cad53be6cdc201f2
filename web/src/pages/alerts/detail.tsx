/**
 * One alert, laid out for the person just paged: what to do first (runbook, dashboard, recent deploys), then what
 * it is (description, labels), then what happened (history). Acknowledge and resolve stay at the top.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, Empty, LoadError, Loading } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { RunbooksPanel } from '../runbooks/panel.js';
import { AlertMarkers, type AlertRunbook, ClassificationBadge, SeverityBadge, StatusBadge } from './badges.js';
import { LiveIndicator, useAlertChanges } from './live.js';
import { CAN_NOTHING, PagingSection, pagedFact, type PagingCan, type PagingView } from './paging.js';
import { ResolveForm } from './resolve-form.js';
import {
  CLASSIFICATION_TEXT,
  type AlertDetail,
  type AlertEvent,
  type ChangeEvent,
  type Classification,
  type ContextLink,
  type Service,
} from './types.js';

const KIND_TEXT: Record<string, string> = {
  runbook: 'Runbook',
  dashboard: 'Dashboard',
  deploys: 'Recent deploys',
  panel: 'Panel',
  image: 'Image',
  source: 'Source',
  silence: 'Silence at the source',
  link: 'Link',
};

const ALL_ACTIONS: PagingCan = {
  acknowledge: true,
  resolve: true,
  escalate: true,
  reassign: true,
  snooze: true,
  declare: true,
};

export function AlertPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useUser();
  const alert = useApi<AlertDetail>(`/api/alerts/${encodeURIComponent(id)}`);
  const [override, setOverride] = useState<AlertDetail | null>(null);
  const a = override && alert.data && override.updatedAt >= alert.data.updatedAt ? override : alert.data;
  const service = useApi<Service>(a ? `/api/services/${encodeURIComponent(a.serviceId)}` : null);
  const paging = useApi<PagingView>(`/api/alerts/${encodeURIComponent(id)}/paging`);
  // The runbook this page shows first (linked to the service or matching a rule): the header says the same.
  const runbookFor = useApi<{ runbooks: Record<string, AlertRunbook | null> }>(
    `/api/runbooks/for-alerts?alertIds=${encodeURIComponent(id)}`,
  );
  const [pagingOverride, setPagingOverride] = useState<PagingView | null>(null);
  const reloadAll = useCallback(() => {
    alert.reload();
    paging.reload();
    setPagingOverride(null);
  }, [alert, paging]);
  const live = useAlertChanges(reloadAll, !!a && a.status !== 'resolved');
  const p = pagingOverride ?? paging.data;
  // Deliveries change without the alert changing: look again while a page is still on its way.
  const isPageInFlight = !!p?.pages.some((x) => x.status === 'pending' || x.status === 'sending');
  const reloadPaging = paging.reload;
  useEffect(() => {
    if (!isPageInFlight) return;
    const timer = setInterval(() => {
      setPagingOverride(null);
      reloadPaging();
    }, 3000);
    return () => clearInterval(timer);
  }, [isPageInFlight, reloadPaging]);

  const [acking, setAcking] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [resolving, setResolving] = useState(false);
  const [classifying, setClassifying] = useState(false);

  const reload = alert.reload;
  const updated = useCallback(
    (next: AlertDetail) => {
      setOverride(next);
      setResolving(false);
      setClassifying(false);
      reload();
      setPagingOverride(null);
      reloadPaging();
    },
    [reload, reloadPaging],
  );
  const pagingChanged = useCallback(
    (next: PagingView) => {
      setPagingOverride(next);
      reload();
    },
    [reload],
  );

  const acknowledge = async () => {
    setActionError(null);
    setAcking(true);
    try {
      updated(await api.post<AlertDetail>(`/api/alerts/${encodeURIComponent(id)}/acknowledge`));
    } catch (e) {
      setActionError(e);
    } finally {
      setAcking(false);
    }
  };

  if (alert.error && !a)
    return (
      <>
        <div className="crumbs">
          <Link to="/alerts">Alerts</Link>
        </div>
        <LoadError
          error={
            alert.error instanceof ApiError && alert.error.status === 404 ? new Error('No such alert.') : alert.error
          }
          retry={alert.reload}
        />
      </>
    );
  if (!a) return <Loading what="Loading alert" />;

  const tz = user.timezone;
  const svc = service.data;
  // What the caller may do comes with the paging view; if that could not load, the buttons show and the API decides.
  const can: PagingCan = p?.can ?? (paging.error ? ALL_ACTIONS : CAN_NOTHING);
  const canAnything = can.acknowledge || can.resolve || can.declare;
  const runbooks = a.context.filter((l) => l.kind === 'runbook');
  const firstLinks = a.context.filter((l) => l.kind === 'dashboard' || l.kind === 'deploys');
  const otherLinks = a.context.filter((l) => !['runbook', 'dashboard', 'deploys'].includes(l.kind));

  return (
    <div className={`alert-page alert-page-${a.status}`}>
      <div className="crumbs">
        <Link to="/alerts">Alerts</Link> <span aria-hidden="true">/</span>{' '}
        {svc ? <Link to={`/services/${encodeURIComponent(svc.slug)}`}>{svc.name}</Link> : <code>{a.serviceId}</code>}
      </div>
      <header className="alert-head">
        <div className="alert-head-badges">
          <SeverityBadge severity={a.severity} />
          <StatusBadge status={a.status} />
          {a.isPaging && (
            <span title="Critical and error alerts page the on-call person.">
              <Badge>paging</Badge>
            </span>
          )}
          <AlertMarkers alert={a} runbook={runbookFor.data?.runbooks[a.id] ?? null} />
          <LiveIndicator state={live} />
        </div>
        <h1 className="alert-title">{a.summary || a.dedupKey}</h1>
        <p className="alert-sub">
          {svc ? svc.name : 'Service'} · first seen {relativeTime(a.firstSeenAt)}
          {a.occurrenceCount > 1 && (
            <>
              {' '}
              · received {a.occurrenceCount} times, last {relativeTime(a.lastSeenAt)}
            </>
          )}
        </p>
        {a.status !== 'resolved' && p && !canAnything && (
          <p className="muted small" role="note">
            You can read this alert. Acting on it needs the responder role in the team that owns its service.
          </p>
        )}
        {a.status !== 'resolved' && canAnything && (
          <div className="alert-actions">
            {a.status === 'triggered' && can.acknowledge && (
              <button
                type="button"
                className="btn btn-primary btn-large"
                disabled={acking}
                onClick={() => void acknowledge()}
              >
                {acking ? 'Acknowledging…' : 'Acknowledge'}
              </button>
            )}
            {can.resolve && (
              <button
                type="button"
                className={a.status === 'acknowledged' ? 'btn btn-primary btn-large' : 'btn btn-large'}
                aria-expanded={resolving}
                onClick={() => setResolving((r) => !r)}
              >
                Resolve…
              </button>
            )}
            {can.declare && (
              <Link className="btn" to={`/incidents/new?alert=${encodeURIComponent(a.id)}`}>
                Declare incident…
              </Link>
            )}
            {can.declare && (
              <Link className="btn btn-ghost" to={silenceLink(a, svc)}>
                Silence similar…
              </Link>
            )}
            {a.status === 'acknowledged' && (
              <span className="muted">
                Acknowledged by <strong>{a.acknowledgedByLabel ?? 'someone'}</strong> {relativeTime(a.acknowledgedAt)}
              </span>
            )}
          </div>
        )}
        {actionError ? <ErrorBanner error={actionError} /> : null}
        {resolving && (
          <Card className="card-tight">
            <ResolveForm alertId={a.id} mode="resolve" onDone={updated} onCancel={() => setResolving(false)} />
          </Card>
        )}
        {a.status !== 'resolved' && a.suppressedReason && !p && <HeldBanner alert={a} timeZone={tz} />}
      </header>

      {p && (
        <PagingSection alertId={a.id} paging={p} timeZone={tz} teamId={svc?.teamId ?? null} onChanged={pagingChanged} />
      )}

      <section className="start-here" aria-label="Start here">
        <RunbooksPanel alertId={a.id} links={runbooks} serviceId={a.serviceId} />
        {firstLinks.length > 0 && (
          <ul className="context-links" aria-label="Dashboards and deploys">
            {firstLinks.map((l) => (
              <ContextItem key={l.kind + l.url} link={l} />
            ))}
          </ul>
        )}
      </section>

      <div className="alert-grid">
        <div>
          {a.description && (
            <Card title="Description">
              <p className="prewrap">{a.description}</p>
            </Card>
          )}
          {otherLinks.length > 0 && (
            <Card title="Other links">
              <ul className="context-links">
                {otherLinks.map((l) => (
                  <ContextItem key={l.kind + l.url} link={l} />
                ))}
              </ul>
            </Card>
          )}
          <RecentChanges serviceId={a.serviceId} timeZone={tz} />
          <KeyValues title="Labels" values={a.labels} />
          <KeyValues title="Annotations" values={a.annotations} />
          <Card title="History">
            <Timeline alertId={a.id} events={a.events} timeZone={tz} />
          </Card>
        </div>
        <aside>
          <Card title="Facts">
            <dl className="facts">
              <dt>Service</dt>
              <dd>{svc ? <Link to={`/services/${encodeURIComponent(svc.slug)}`}>{svc.name}</Link> : a.serviceId}</dd>
              <dt>First seen</dt>
              <dd title={a.firstSeenAt}>{formatTime(a.firstSeenAt, tz)}</dd>
              <dt>Last seen</dt>
              <dd title={a.lastSeenAt}>{formatTime(a.lastSeenAt, tz)}</dd>
              {a.sourceStartsAt && (
                <>
                  <dt>Started (source)</dt>
                  <dd>{formatTime(a.sourceStartsAt, tz)}</dd>
                </>
              )}
              <dt>Occurrences</dt>
              <dd>{a.occurrenceCount}</dd>
              <dt>Acknowledged</dt>
              <dd>
                {a.acknowledgedAt ? (
                  <>
                    {a.acknowledgedByLabel ?? 'someone'}, {formatTime(a.acknowledgedAt, tz)}
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Resolved</dt>
              <dd>
                {a.resolvedAt ? (
                  <>
                    {a.resolvedByLabel ?? 'the source'}, {formatTime(a.resolvedAt, tz)}
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Source</dt>
              <dd>{a.source}</dd>
              <dt>Dedup key</dt>
              <dd className="mono break">{a.dedupKey}</dd>
              {a.ruleKey && (
                <>
                  <dt>Rule</dt>
                  <dd className="mono break">{a.ruleKey}</dd>
                </>
              )}
              <dt>Paged</dt>
              <dd>{pagedFact(p ?? null, tz)}</dd>
            </dl>
          </Card>
          {a.group && (
            <Card title="Group">
              <p className="strong">{a.group.title || a.group.groupKey}</p>
              <p className="muted small">
                {a.group.alertCount} {a.group.alertCount === 1 ? 'alert' : 'alerts'}, {a.group.openCount} open · since{' '}
                {formatTime(a.group.firstAlertAt, tz)}
              </p>
              {a.group.alertCount > 1 && (
                <Link to={`/alerts?status=all&group=${encodeURIComponent(a.group.id)}`}>All alerts in this group</Link>
              )}
            </Card>
          )}
          {a.status === 'resolved' && (
            <Card title="Alert quality">
              {a.classification && !classifying ? (
                <>
                  <p>
                    <ClassificationBadge value={a.classification} />
                  </p>
                  {a.classificationNote && <p className="prewrap">{a.classificationNote}</p>}
                  <button type="button" className="btn btn-small" onClick={() => setClassifying(true)}>
                    Change classification
                  </button>
                </>
              ) : (
                <ResolveForm
                  alertId={a.id}
                  mode="classify"
                  initial={{ classification: a.classification, note: a.classificationNote }}
                  onDone={updated}
                  {...(a.classification ? { onCancel: () => setClassifying(false) } : {})}
                />
              )}
            </Card>
          )}
        </aside>
      </div>
    </div>
  );
}

/** A new silence prefilled for this alert's service and rule. */
function silenceLink(a: AlertDetail, svc: Service | null): string {
  const q = new URLSearchParams({ new: '1' });
  if (svc) q.set('service', svc.slug);
  const name = a.labels.alertname ? 'alertname' : null;
  if (name) q.append('matcher', `${name}=${a.labels[name]}`);
  return `/silences?${q.toString()}`;
}

function HeldBanner({ alert: a, timeZone }: { alert: AlertDetail; timeZone: string }) {
  const until = a.suppressedUntil ? ` until ${formatTime(a.suppressedUntil, timeZone)}` : '';
  return (
    <div className="banner banner-info held" role="note">
      <strong>Not paging{until}.</strong>
      {a.suppressedReason === 'silenced' && (
        <span>
          A silence matches this alert. <Link to="/silences">See silences</Link>
        </span>
      )}
      {a.suppressedReason === 'maintenance' && <span>The service is in a maintenance window.</span>}
      {a.suppressedReason === 'flapping' && <span>It keeps firing and resolving; paging starts if it stays up.</span>}
    </div>
  );
}

function ContextItem({ link }: { link: ContextLink }) {
  return (
    <li className={`context-link context-${link.kind}`}>
      <span className="context-kind">{KIND_TEXT[link.kind] ?? link.kind}</span>
      <a href={link.url} target="_blank" rel="noreferrer noopener">
        {link.title && link.title !== KIND_TEXT[link.kind] ? link.title : link.url}
      </a>
    </li>
  );
}

function KeyValues({ title, values }: { title: string; values: Record<string, string> }) {
  const entries = Object.entries(values).sort(([x], [y]) => x.localeCompare(y));
  if (entries.length === 0) return null;
  return (
    <Card title={title}>
      <table className="table table-dense kv" aria-label={title}>
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className="break">
                {/^https?:\/\//.test(v) ? (
                  <a href={v} target="_blank" rel="noreferrer noopener">
                    {v}
                  </a>
                ) : (
                  v
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

const EVENT_TEXT: Record<string, string> = {
  triggered: 'Triggered',
  re_sent: 'Received again',
  re_fired: 'Fired again',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  classified: 'Classified',
  silenced: 'Held by a silence',
  in_maintenance: 'Held by a maintenance window',
  flap_damped: 'Held: flapping',
  flapping: 'Flapping',
  paging_started: 'Paging started',
  ack_timeout: 'Acknowledgement ran out: paging again',
  escalated: 'Escalated now',
  reassigned: 'Reassigned',
  snoozed: 'Snoozed',
  snooze_ended: 'Snooze over: paging again',
  joined_page: 'Joined a page already sent for its group',
};

/** What a paging action was about: whom it was reassigned to, until when it was snoozed, which level. */
function eventDetail(e: AlertEvent, timeZone: string): string {
  const d = e.details;
  if (e.kind === 'reassigned' && d.to && typeof d.to === 'object' && 'name' in d.to)
    return ` · to ${String(d.to.name)}`;
  if (e.kind === 'snoozed' && typeof d.until === 'number')
    return ` · until ${formatTime(new Date(d.until).toISOString(), timeZone)}`;
  if (e.kind === 'escalated' && typeof d.level === 'number') return ` · level ${d.level}`;
  return '';
}

function Timeline({ alertId, events, timeZone }: { alertId: string; events: AlertEvent[]; timeZone: string }) {
  if (events.length === 0) return <Empty>No history yet.</Empty>;
  const sorted = [...events].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : y.id.localeCompare(x.id)));
  return (
    <ol className="timeline" aria-label="History">
      {sorted.map((e) => {
        const c = e.details.classification as Classification | undefined;
        const note = typeof e.details.note === 'string' ? e.details.note : null;
        return (
          <li key={e.id} className={`timeline-item timeline-${e.kind}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div>
              <strong>{EVENT_TEXT[e.kind] ?? e.kind}</strong> <span className="muted">by {e.actorLabel}</span>
              {eventDetail(e, timeZone)}
              {c && <> · {CLASSIFICATION_TEXT[c] ?? c}</>}
              {note && <div className="prewrap small">{note}</div>}
              {e.payloadId && <ReceivedBody alertId={alertId} payloadId={e.payloadId} />}
            </div>
            <time className="muted small" dateTime={e.at} title={e.at}>
              {formatTime(e.at, timeZone)}
            </time>
          </li>
        );
      })}
    </ol>
  );
}

/** What exactly a monitor sent for this history entry, fetched when opened (stored bodies are pruned after a while). */
function ReceivedBody({ alertId, payloadId }: { alertId: string; payloadId: string }) {
  const [isOpen, setOpen] = useState(false);
  const received = useApi<{ source: string; body: unknown }>(
    isOpen ? `/api/alerts/${encodeURIComponent(alertId)}/payloads/${encodeURIComponent(payloadId)}` : null,
  );
  return (
    <details className="small" onToggle={(ev) => setOpen(ev.currentTarget.open)}>
      <summary>What arrived</summary>
      {isOpen && (
        <Loadable resource={received} what="the received body">
          {(d) => <pre className="received-body">{JSON.stringify(d.body, null, 2)}</pre>}
        </Loadable>
      )}
    </details>
  );
}

/** Deploys and config changes of the service (change events), if the changes API is there. */
export function RecentChanges({
  serviceId,
  timeZone,
  limit = 5,
}: {
  serviceId: string;
  timeZone: string;
  limit?: number;
}) {
  const changes = useApi<{ changes: ChangeEvent[] }>(
    `/api/services/${encodeURIComponent(serviceId)}/changes?limit=${limit}`,
  );
  // Before the changes API exists (404), say nothing rather than show an error at 3 AM.
  if (changes.error instanceof ApiError && changes.error.status === 404) return null;
  if (changes.error) return null;
  if (!changes.data) return null;
  const list = changes.data.changes.slice(0, limit);
  return (
    <Card title="Recent changes to this service">
      {list.length === 0 ? (
        <p className="muted">No deploys or config changes recorded.</p>
      ) : (
        <ul className="changes">
          {list.map((c) => (
            <li key={c.id}>
              <time className="muted small" dateTime={c.at}>
                {formatTime(c.at, timeZone)} ({relativeTime(c.at)})
              </time>
              <div>
                <strong>{c.summary}</strong>{' '}
                {c.kind && c.kind !== 'other' && (
                  <Badge tone={c.kind === 'deploy' ? 'info' : 'neutral'}>{c.kind}</Badge>
                )}{' '}
                <span className="muted small">
                  {c.author ? `${c.author} · ` : ''}
                  {c.source}
                </span>
                {c.links.map((l) => (
                  <a key={l.href} className="small change-link" href={l.href} target="_blank" rel="noreferrer noopener">
                    {l.text || l.href}
                  </a>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
