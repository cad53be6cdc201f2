/**
 * One service: who owns it, what is open, and how to point each monitoring tool at it. Integration keys are shown
 * once, when created or rotated, next to the configuration for that tool with the key already filled in.
 */
import { useCallback, useState } from 'react';
import { Tabs } from '../../components/filters.js';
import { ConfirmButton, ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, CopyButton, OneTimeSecret, PageHeader } from '../../components/ui.js';
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
import { ServiceHealthCard } from '../people/card.js';
import { ServiceRunbooks } from '../runbooks/panel.js';
import { CriticalityBadge } from './list.js';
import { MaintenanceWindows } from './maintenance.js';
import { PagingGroupsCard } from './paging-groups.js';
import { SOURCE_DOC, SOURCE_HELP, SOURCE_TEXT, baseFromEndpoint, endpointFor, snippetsFor } from './snippets.js';
import { WhoGetsPaged } from './who-gets-paged.js';

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
    <Loadable
      resource={service}
      what="service"
      errorHeader={
        <div className="crumbs">
          <Link to="/services">Services</Link>
        </div>
      }
    >
      {(s) => (
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
          <ServiceHealthCard service={s.id} />
          <div className="grid-2 align-start">
            <Card title="Open alerts">
              <Loadable resource={open} what="alerts" isEmpty={(d) => d.alerts.length === 0} empty="Nothing open.">
                {(d) => (
                  <ul className="changes">
                    {d.alerts.map((a) => (
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
              </Loadable>
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
          <WhoGetsPaged service={s} />
          <PagingGroupsCard service={s} onSaved={service.reload} />
          <ServiceRunbooks serviceId={s.id} />
          <Integrations service={s} />
          <IntakeErrors service={s} timeZone={user.timezone} />
          <RecentChanges serviceId={s.id} timeZone={user.timezone} limit={10} />
          <MaintenanceWindows service={s} />
        </>
      )}
    </Loadable>
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
      <Loadable
        resource={errors}
        what="intake errors"
        isEmpty={(d) => d.intakeErrors.length === 0}
        empty="No intake errors: everything this service's monitors sent could be read."
      >
        {(d) => (
          <>
            <p className="muted small">
              Alerts that could not be applied. The other alerts in the same message were applied; fix the sender.
            </p>
            <ul className="changes intake-errors">
              {d.intakeErrors.map((e) => (
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
            {d.nextBefore && <p className="muted small">Showing the newest 20.</p>}
          </>
        )}
      </Loadable>
    </Card>
  );
}

const SOURCE_TABS = KEY_SOURCES.map((src) => ({ key: src, text: SOURCE_TEXT[src] }));

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

  const columns: Column<IntegrationKey>[] = [
    { id: 'name', header: 'Name', className: 'strong', sortValue: (k) => k.name.toLowerCase(), cell: (k) => k.name },
    { id: 'prefix', header: 'Starts with', hideOnPhone: true, cell: (k) => <code>{k.prefix}…</code> },
    {
      id: 'created',
      header: 'Created',
      hideOnPhone: true,
      sortValue: (k) => k.createdAt,
      cell: (k) => (
        <>
          <span title={k.createdAt}>{formatTime(k.createdAt, user.timezone)}</span>
          <div className="muted small">by {k.createdBy}</div>
        </>
      ),
    },
    {
      id: 'lastUsed',
      header: 'Last used',
      sortValue: (k) => k.lastUsedAt,
      cell: (k) => <span title={k.lastUsedAt ?? ''}>{k.lastUsedAt ? relativeTime(k.lastUsedAt) : 'never'}</span>,
    },
    {
      id: 'status',
      header: 'Status',
      cell: (k) =>
        k.revokedAt ? (
          <Badge tone="bad">{k.replacedById ? 'Rotated' : 'Revoked'}</Badge>
        ) : (
          <Badge tone="good">Active</Badge>
        ),
    },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (k) =>
        !k.revokedAt && (
          // On one line (the actions column does not wrap), not stacked in a column the name squeezes.
          <>
            <ConfirmButton label="Rotate" confirmLabel="Rotate: old key stops now" onConfirm={() => void rotate(k)} />{' '}
            <ConfirmButton label="Revoke" confirmLabel="Revoke now" onConfirm={() => void revoke(k)} />
          </>
        ),
    },
  ];

  return (
    <Card title="Integrations">
      <p className="muted">
        Pick the tool that sends alerts, create a key for it, and paste the configuration. Keys are per tool: an
        Alertmanager key only works on the Alertmanager endpoint.
      </p>
      <Tabs
        label="Source"
        className="source-tabs"
        options={SOURCE_TABS}
        value={source}
        onChange={setSource}
        count={(src) => activeCount(src) > 0 && <span className="tab-count">{activeCount(src)}</span>}
      />
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
      <Loadable
        resource={keys}
        what="keys"
        isEmpty={() => forSource.length === 0}
        empty={`No ${SOURCE_TEXT[source]} keys yet.`}
      >
        {() => (
          <DataTable
            label={`${SOURCE_TEXT[source]} keys`}
            dense
            columns={columns}
            rows={forSource}
            rowKey={(k) => k.id}
            rowClassName={(k) => (k.revokedAt ? 'row-dim' : undefined)}
          />
        )}
      </Loadable>
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
  const form = useApiForm({ name: '' }, async (v) => {
    const c = await api.post<CreatedKey>(`/api/services/${encodeURIComponent(serviceId)}/integration-keys`, {
      source,
      ...(v.name.trim() ? { name: v.name.trim() } : {}),
    });
    form.reset();
    onCreated(c);
  });
  return (
    <form className="inline-form create-key" onSubmit={form.onSubmit} aria-label="Create an integration key">
      <TextField form={form} name="name" id="key-name" label="Key name" placeholder={`e.g. prod ${source}`} />
      <FormActions busy={form.busy} submit={`Create ${SOURCE_TEXT[source]} key`} busyText="Creating…" />
      {/* A problem with the name shows beside it; any other problem here. */}
      {form.error && !form.fieldError('name') ? <ErrorBanner error={form.error} fields={['name']} /> : null}
    </form>
  );
}
