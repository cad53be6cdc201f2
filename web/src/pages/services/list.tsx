/** Services: what alerts belong to, who owns them, how critical they are, and what is open right now. */
import { useMemo, useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link, navigate } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import {
  CRITICALITIES,
  type AlertPage,
  type Criticality,
  type EscalationPolicy,
  type Service,
} from '../alerts/types.js';

const OPEN_LIMIT = 500;
const CRITICALITY_OPTIONS = CRITICALITIES.map((c) => ({ value: c, text: c[0]!.toUpperCase() + c.slice(1) }));

export function CriticalityBadge({ value }: { value: string }) {
  const tone = value === 'critical' ? 'bad' : value === 'high' ? 'warn' : value === 'medium' ? 'info' : 'neutral';
  return <Badge tone={tone}>{value}</Badge>;
}

export function ServicesPage() {
  const services = useApi<{ services: Service[] }>('/api/services');
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const open = useApi<AlertPage>(`/api/alerts?status=open&limit=${OPEN_LIMIT}`);
  const [showForm, setShowForm] = useState(false);

  const teamName = useMemo(() => new Map((teams.data?.teams ?? []).map((t) => [t.id, t])), [teams.data]);
  const openCount = useMemo(() => {
    const m = new Map<string, { total: number; triggered: number }>();
    for (const a of open.data?.alerts ?? []) {
      const c = m.get(a.serviceId) ?? { total: 0, triggered: 0 };
      c.total++;
      if (a.status === 'triggered') c.triggered++;
      m.set(a.serviceId, c);
    }
    return m;
  }, [open.data]);
  const saturated = (open.data?.alerts.length ?? 0) >= OPEN_LIMIT;

  const list = [...(services.data?.services ?? [])].sort(
    (a, b) =>
      (openCount.get(b.id)?.triggered ?? 0) - (openCount.get(a.id)?.triggered ?? 0) ||
      (openCount.get(b.id)?.total ?? 0) - (openCount.get(a.id)?.total ?? 0) ||
      a.name.localeCompare(b.name),
  );

  const columns: Column<Service>[] = [
    {
      id: 'name',
      header: 'Service',
      sortValue: (s) => s.name.toLowerCase(),
      cell: (s) => (
        <>
          <Link to={`/services/${encodeURIComponent(s.slug)}`} className="strong">
            {s.name}
          </Link>
          {s.description && <div className="muted small clamp">{s.description}</div>}
        </>
      ),
    },
    {
      id: 'team',
      header: 'Team',
      sortValue: (s) => teamName.get(s.teamId)?.name.toLowerCase() ?? null,
      cell: (s) => {
        const team = teamName.get(s.teamId);
        return team ? (
          <Link to={`/teams/${encodeURIComponent(team.slug)}`}>{team.name}</Link>
        ) : (
          <span className="muted">—</span>
        );
      },
    },
    {
      id: 'criticality',
      header: 'Criticality',
      sortValue: (s) => CRITICALITIES.indexOf(s.criticality),
      cell: (s) => <CriticalityBadge value={s.criticality} />,
    },
    {
      id: 'open',
      header: 'Open alerts',
      align: 'num',
      sortValue: (s) => openCount.get(s.id)?.total ?? 0,
      cell: (s) => {
        const c = openCount.get(s.id);
        return c ? (
          <Link to={`/alerts?service=${encodeURIComponent(s.slug)}`}>
            {c.triggered > 0 ? <Badge tone="bad">{c.triggered} triggered</Badge> : null} {c.total}
          </Link>
        ) : (
          <span className="muted">{open.data ? (saturated ? '?' : '0') : '…'}</span>
        );
      },
    },
  ];

  return (
    <>
      <PageHeader
        title="Services"
        subtitle="What your alerts belong to. Each service has an owning team, a criticality and integration keys for your monitoring tools."
        actions={
          !showForm && (
            <button type="button" className="btn btn-primary" onClick={() => setShowForm(true)}>
              New service
            </button>
          )
        }
      />
      {showForm && (
        <CreateService
          teams={teams.data?.teams ?? []}
          services={services.data?.services ?? []}
          onCreated={(s) => navigate(`/services/${encodeURIComponent(s.slug)}`)}
          onCancel={() => setShowForm(false)}
        />
      )}
      <Card>
        <Loadable
          resource={services}
          what="services"
          isEmpty={(d) => d.services.length === 0}
          empty="No services yet. Create one, then add an integration key so alerts can arrive."
        >
          {() => <DataTable label="Services" columns={columns} rows={list} rowKey={(s) => s.id} />}
        </Loadable>
      </Card>
    </>
  );
}

interface ServiceForm {
  name: string;
  slug: string;
  description: string;
  teamId: string;
  criticality: Criticality;
  escalationPolicyId: string;
  dependsOn: string[];
}

function CreateService({
  teams,
  services,
  onCreated,
  onCancel,
}: {
  teams: Team[];
  services: Service[];
  onCreated: (s: Service) => void;
  onCancel: () => void;
}) {
  const me = useUser();
  const manageable = teams.filter((t) => me.isAdmin || t.myRole === 'owner' || t.myRole === 'admin');
  const form = useApiForm<ServiceForm>(
    {
      name: '',
      slug: '',
      description: '',
      teamId: manageable.length === 1 ? manageable[0]!.id : '',
      criticality: 'medium',
      escalationPolicyId: '',
      dependsOn: [],
    },
    async (v) => {
      const created = await api.post<Service>('/api/services', {
        name: v.name,
        teamId: v.teamId,
        criticality: v.criticality,
        ...(v.slug.trim() ? { slug: v.slug.trim() } : {}),
        ...(v.description.trim() ? { description: v.description.trim() } : {}),
        ...(v.escalationPolicyId ? { escalationPolicyId: v.escalationPolicyId } : {}),
        ...(v.dependsOn.length ? { dependsOn: v.dependsOn } : {}),
      });
      onCreated(created);
    },
  );
  const teamId = form.watch('teamId');
  const dependsOn = form.watch('dependsOn');
  const policies = useApi<{ policies: EscalationPolicy[] }>(
    teamId ? `/api/escalation-policies?teamId=${encodeURIComponent(teamId)}` : null,
  );

  return (
    <Card title="New service">
      <form onSubmit={form.onSubmit} noValidate aria-label="New service">
        <ErrorBanner
          error={form.error}
          fields={['name', 'slug', 'description', 'teamId', 'criticality', 'escalationPolicyId', 'dependsOn']}
        />
        <div className="grid-2">
          <TextField form={form} name="name" id="service-name" label="Name" autoFocus />
          <TextField
            form={form}
            name="slug"
            id="service-slug"
            label="Slug"
            placeholder="checkout"
            hint="Optional; made from the name. Used in URLs and the command line."
          />
          <SelectField
            form={form}
            name="teamId"
            id="service-team"
            label="Owning team"
            rules={{ onChange: () => form.setValue('escalationPolicyId', '') }}
            hint={manageable.length === 0 ? 'You need to be an owner or admin of a team.' : undefined}
            options={[{ value: '', text: 'Choose a team…' }, ...manageable.map((t) => ({ value: t.id, text: t.name }))]}
          />
          <SelectField
            form={form}
            name="criticality"
            id="service-criticality"
            label="Criticality"
            hint="How much it matters when it breaks; critical services page at once."
            options={CRITICALITY_OPTIONS}
          />
          <SelectField
            form={form}
            name="escalationPolicyId"
            id="service-policy"
            label="Escalation policy"
            disabled={!teamId}
            hint={
              !teamId
                ? 'Pick the team first.'
                : policies.data && policies.data.policies.length === 0
                  ? 'This team has no escalation policy yet; alerts will not page anyone until one is set.'
                  : 'Who is paged when an alert of this service triggers.'
            }
            options={[
              { value: '', text: 'None' },
              ...(policies.data?.policies ?? []).map((p) => ({ value: p.id, text: p.name })),
            ]}
          />
          <TextField form={form} name="description" id="service-description" label="Description" />
        </div>
        {services.length > 0 && (
          <div className="field">
            <span className="label">Depends on</span>
            <div className="checks" role="group" aria-label="Depends on">
              {services.map((s) => (
                <label key={s.id} className="check">
                  <input
                    type="checkbox"
                    checked={dependsOn.includes(s.id)}
                    onChange={(e) =>
                      form.setValue(
                        'dependsOn',
                        e.target.checked ? [...dependsOn, s.id] : dependsOn.filter((x) => x !== s.id),
                      )
                    }
                  />
                  {s.name}
                </label>
              ))}
            </div>
            {form.fieldError('dependsOn') && <div className="field-error">{form.fieldError('dependsOn')}</div>}
          </div>
        )}
        <FormActions busy={form.busy} submit="Create service" busyText="Creating…" onCancel={onCancel} />
      </form>
    </Card>
  );
}
