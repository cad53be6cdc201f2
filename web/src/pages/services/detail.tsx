/**
 * One service: who owns it, what is open, and how to point each monitoring tool at it. Integration keys are shown
 * once, when created or rotated, next to the configuration for that tool with the key already filled in.
 */
import { useCallback, useState } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, Card, CopyButton, Empty, LoadError, Loading, OneTimeSecret, PageHeader } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { SeverityBadge, StatusBadge } from '../alerts/badges.js';
import { RecentChanges } from '../alerts/detail.js';
import {
  KEY_SOURCES,
  type AlertPage,
  type CreatedKey,
  type EscalationPolicy,
  type IntegrationKey,
  type KeySource,
  type Service,
} from '../alerts/types.js';
import type { PageProps } from '../types.js';
import { CriticalityBadge } from './list.js';
import { MaintenanceWindows } from './maintenance.js';
import { SOURCE_DOC, SOURCE_HELP, SOURCE_TEXT, baseFromEndpoint, endpointFor, snippetsFor } from './snippets.js';

export function ServicePage({ params }: PageProps) {
  const key = params.service ?? '';
  const user = useUser();
  const service = useApi<Service>(`/api/services/${encodeURIComponent(key)}`);
  const s = service.data;
  const team = useApi<Team>(s ? `/api/teams/${encodeURIComponent(s.teamId)}` : null);
  const policy = useApi<EscalationPolicy>(
    s?.escalationPolicyId ? `/api/escalation-policies/${encodeURIComponent(s.escalationPolicyId)}` : null,
  );
  const all = useApi<{ services: Service[] }>('/api/services');
  const open = useApi<AlertPage>(s ? `/api/alerts?status=open&service=${encodeURIComponent(s.id)}&limit=10` : null);

  if (service.error)
    return (
      <>
        <div className="crumbs">
          <Link to="/services">Services</Link>
        </div>
        <LoadError error={service.error} retry={service.reload} />
      </>
    );
  if (!s) return <Loading what="Loading service" />;

  const names = new Map((all.data?.services ?? []).map((x) => [x.id, x]));
  const serviceLink = (id: string) => {
    const x = names.get(id);
    return x ? (
      <Link key={id} to={`/services/${encodeURIComponent(x.slug)}`}>
        {x.name}
      </Link>
    ) : (
      <code key={id}>{id}</code>
    );
  };
  const join = (ids: string[]) =>
    ids.map((id, i) => (
      <span key={id}>
        {i > 0 && ', '}
        {serviceLink(id)}
      </span>
    ));

  return (
    <>
      <div className="crumbs">
        <Link to="/services">Services</Link> <span aria-hidden="true">/</span> <span>{s.name}</span>
      </div>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            <code>{s.slug}</code> · <CriticalityBadge value={s.criticality} /> · owned by{' '}
            {team.data ? <Link to={`/teams/${encodeURIComponent(team.data.slug)}`}>{team.data.name}</Link> : '…'}
          </>
        }
        actions={
          <Link className="btn" to={`/alerts?service=${encodeURIComponent(s.slug)}`}>
            All alerts
          </Link>
        }
      />
      {s.description && <p className="lead">{s.description}</p>}
      <div className="grid-2 align-start">
        <Card title="Open alerts">
          {open.error ? (
            <LoadError error={open.error} retry={open.reload} />
          ) : !open.data ? (
            <Loading what="Loading alerts" />
          ) : open.data.alerts.length === 0 ? (
            <p className="muted">Nothing open.</p>
          ) : (
            <ul className="changes">
              {open.data.alerts.map((a) => (
                <li key={a.id}>
                  <div className="badges">
                    <SeverityBadge severity={a.severity} />
                    <StatusBadge status={a.status} />
                  </div>
                  <Link to={`/alerts/${encodeURIComponent(a.id)}`}>{a.summary || a.dedupKey}</Link>{' '}
                  <span className="muted small">{relativeTime(a.lastSeenAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Ownership and dependencies">
          <dl className="facts">
            <dt>Team</dt>
            <dd>{team.data ? team.data.name : '…'}</dd>
            <dt>Escalation</dt>
            <dd>
              {!s.escalationPolicyId ? (
                <span className="muted">No escalation policy: alerts page nobody.</span>
              ) : policy.data ? (
                policy.data.name
              ) : (
                <code>{s.escalationPolicyId}</code>
              )}
            </dd>
            <dt>Depends on</dt>
            <dd>{s.dependsOn?.length ? join(s.dependsOn) : <span className="muted">nothing</span>}</dd>
            <dt>Needed by</dt>
            <dd>{s.dependents?.length ? join(s.dependents) : <span className="muted">nothing</span>}</dd>
          </dl>
        </Card>
      </div>
      <Integrations service={s} />
      <IntakeErrors service={s} timeZone={user.timezone} />
      <RecentChanges serviceId={s.id} timeZone={user.timezone} limit={10} />
      <MaintenanceWindows service={s} />
    </>
  );
}

interface IntakeError {
  id: string;
  source: string;
  itemIndex: number | null;
  reason: string;
  rawItem: string;
  rawTruncated: boolean;
  receivedAt: string;
}

/** Pretty JSON when the raw item is JSON (a truncated or non-JSON body is shown as it arrived). */
function prettyRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/** Alerts the service's monitors sent that intake could not apply (the rest of each message was applied). */
function IntakeErrors({ service, timeZone }: { service: Service; timeZone: string }) {
  const errors = useApi<{ intakeErrors: IntakeError[]; nextBefore: string | null }>(
    `/api/services/${encodeURIComponent(service.id)}/intake-errors?limit=20`,
  );
  // The log is for the owning team: people outside it see the service but not what its monitors sent.
  if (errors.error instanceof ApiError && errors.error.status === 403) return null;
  return (
    <Card title="Intake errors">
      {errors.error ? (
        <LoadError error={errors.error} retry={errors.reload} />
      ) : !errors.data ? (
        <Loading what="Loading intake errors" />
      ) : errors.data.intakeErrors.length === 0 ? (
        <p className="muted">No intake errors: everything this service's monitors sent could be read.</p>
      ) : (
        <>
          <p className="muted small">
            Alerts that could not be applied. The other alerts in the same message were applied; fix the sender.
          </p>
          <ul className="changes intake-errors">
            {errors.data.intakeErrors.map((e) => (
              <li key={e.id}>
                <div className="badges">
                  <Badge>{SOURCE_TEXT[e.source as KeySource] ?? e.source}</Badge>
                </div>
                <span>{e.reason}</span>{' '}
                <span className="muted small" title={formatTime(e.receivedAt, timeZone)}>
                  {relativeTime(e.receivedAt)}
                </span>
                <details className="small">
                  <summary>
                    {e.itemIndex === null ? 'What arrived' : `What arrived (alert ${e.itemIndex + 1})`}
                    {e.rawTruncated && ' — truncated'}
                  </summary>
                  <pre className="received-body">{prettyRaw(e.rawItem)}</pre>
                </details>
              </li>
            ))}
          </ul>
          {errors.data.nextBefore && <p className="muted small">Showing the newest 20.</p>}
        </>
      )}
    </Card>
  );
}

function Integrations({ service }: { service: Service }) {
  const user = useUser();
  const keys = useApi<{ integrationKeys: IntegrationKey[] }>(
    `/api/services/${encodeURIComponent(service.id)}/integration-keys`,
  );
  const [source, setSource] = useState<KeySource>('alertmanager');
  // The plaintext key lives here only until dismissed or the page is left.
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [base, setBase] = useState(window.location.origin);
  const [actionError, setActionError] = useState<unknown>(null);

  const reloadKeys = keys.reload;
  const show = useCallback(
    (c: CreatedKey) => {
      setCreated(c);
      setSource(c.integrationKey.source);
      setBase(baseFromEndpoint(c.endpoint));
      reloadKeys();
    },
    [reloadKeys],
  );

  const rotate = async (k: IntegrationKey) => {
    setActionError(null);
    try {
      show(
        await api.post<CreatedKey>(
          `/api/services/${encodeURIComponent(service.id)}/integration-keys/${encodeURIComponent(k.id)}/rotate`,
        ),
      );
    } catch (e) {
      setActionError(e);
    }
  };
  const revoke = async (k: IntegrationKey) => {
    setActionError(null);
    try {
      await api.del(`/api/services/${encodeURIComponent(service.id)}/integration-keys/${encodeURIComponent(k.id)}`);
      if (created?.integrationKey.id === k.id) setCreated(null);
      keys.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  const all = keys.data?.integrationKeys ?? [];
  const forSource = all.filter((k) => k.source === source);
  const activeCount = (src: KeySource) => all.filter((k) => k.source === src && !k.revokedAt).length;
  const shown = created && created.integrationKey.source === source ? created : null;
  const keyText = shown
    ? shown.key
    : source === 'pagerduty'
      ? '<pagerduty key>'
      : source === 'change'
        ? '<change key>'
        : '<key>';

  return (
    <Card title="Integrations">
      <p className="muted">
        Pick the tool that sends alerts, create a key for it, and paste the configuration. Keys are per tool: an
        Alertmanager key only works on the Alertmanager endpoint.
      </p>
      <div className="tabs source-tabs" role="tablist" aria-label="Source">
        {KEY_SOURCES.map((src) => (
          <button
            key={src}
            type="button"
            role="tab"
            aria-selected={source === src}
            className={source === src ? 'tab active' : 'tab'}
            onClick={() => setSource(src)}
          >
            {SOURCE_TEXT[src]}
            {activeCount(src) > 0 && <span className="tab-count">{activeCount(src)}</span>}
          </button>
        ))}
      </div>
      <p>{SOURCE_HELP[source]}</p>
      {shown && (
        <OneTimeSecret
          title={`New ${SOURCE_TEXT[shown.integrationKey.source]} key “${shown.integrationKey.name}”`}
          value={shown.key}
          note={
            <>
              <strong>Store it now, it will not be shown again.</strong> Muster keeps only a hash. The configuration
              below has it filled in; copy it before you leave this page.
            </>
          }
          onDismiss={() => setCreated(null)}
        />
      )}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {keys.error ? (
        <LoadError error={keys.error} retry={keys.reload} />
      ) : !keys.data ? (
        <Loading what="Loading keys" />
      ) : forSource.length === 0 ? (
        <Empty>No {SOURCE_TEXT[source]} keys yet.</Empty>
      ) : (
        <table className="table table-dense" aria-label={`${SOURCE_TEXT[source]} keys`}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Starts with</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {forSource.map((k) => (
              <tr key={k.id} className={k.revokedAt ? 'row-dim' : ''}>
                <td className="strong">{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td title={k.createdAt}>
                  {formatTime(k.createdAt, user.timezone)} <span className="muted small">by {k.createdBy}</span>
                </td>
                <td title={k.lastUsedAt ?? ''}>{k.lastUsedAt ? relativeTime(k.lastUsedAt) : 'never'}</td>
                <td>
                  {k.revokedAt ? (
                    <Badge tone="bad">{k.replacedById ? 'Rotated' : 'Revoked'}</Badge>
                  ) : (
                    <Badge tone="good">Active</Badge>
                  )}
                </td>
                <td className="actions-col">
                  {!k.revokedAt && (
                    <div className="row-actions">
                      <ConfirmButton
                        label="Rotate"
                        confirmLabel="Rotate: old key stops now"
                        onConfirm={() => void rotate(k)}
                      />
                      <ConfirmButton label="Revoke" confirmLabel="Revoke now" onConfirm={() => void revoke(k)} />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreateKey serviceId={service.id} source={source} onCreated={show} />
      <h3 className="snippets-title">Configuration</h3>
      <p className="muted small break">
        Endpoint: <code>{endpointFor(source, base, keyText)}</code>. Full guide: <code>{SOURCE_DOC[source]}</code>.
        {!shown && ' Create a key to get it filled in.'}
      </p>
      {snippetsFor(source, base, keyText, service.slug).map((sn) => (
        <div className="snippet" key={sn.title}>
          <div className="snippet-head">
            <strong className="small">{sn.title}</strong>
            <CopyButton value={sn.text} />
          </div>
          <pre aria-label={sn.title}>
            <code>{sn.text}</code>
          </pre>
        </div>
      ))}
    </Card>
  );
}

function CreateKey({
  serviceId,
  source,
  onCreated,
}: {
  serviceId: string;
  source: KeySource;
  onCreated: (c: CreatedKey) => void;
}) {
  const [name, setName] = useState('');
  const form = useSubmit(
    useCallback(async () => {
      const c = await api.post<CreatedKey>(`/api/services/${encodeURIComponent(serviceId)}/integration-keys`, {
        source,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setName('');
      onCreated(c);
    }, [serviceId, source, name, onCreated]),
  );
  return (
    <form className="inline-form create-key" onSubmit={form.onSubmit} aria-label="Create an integration key">
      <Field label="Key name" htmlFor="key-name" error={form.fieldError('name')}>
        <input
          id="key-name"
          value={name}
          placeholder={`e.g. prod ${source}`}
          onChange={(e) => setName(e.target.value)}
        />
      </Field>
      <button type="submit" className="btn btn-primary" disabled={form.busy}>
        {form.busy ? 'Creating…' : `Create ${SOURCE_TEXT[source]} key`}
      </button>
      {form.error && !(form.error instanceof ApiError && form.fieldError('name')) ? (
        <ErrorBanner error={form.error} fields={['name']} />
      ) : null}
    </form>
  );
}
