/** Services: what alerts belong to, who owns them, how critical they are, and what is open right now. */
import { useCallback, useMemo, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
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
        {services.error ? (
          <LoadError error={services.error} retry={services.reload} />
        ) : !services.data ? (
          <Loading what="Loading services" />
        ) : list.length === 0 ? (
          <Empty>No services yet. Create one, then add an integration key so alerts can arrive.</Empty>
        ) : (
          <table className="table" aria-label="Services">
            <thead>
              <tr>
                <th>Service</th>
                <th>Team</th>
                <th>Criticality</th>
                <th className="num">Open alerts</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => {
                const c = openCount.get(s.id);
                return (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/services/${encodeURIComponent(s.slug)}`} className="strong">
                        {s.name}
                      </Link>
                      {s.description && <div className="muted small clamp">{s.description}</div>}
                    </td>
                    <td>
                      {teamName.get(s.teamId) ? (
                        <Link to={`/teams/${encodeURIComponent(teamName.get(s.teamId)!.slug)}`}>
                          {teamName.get(s.teamId)!.name}
                        </Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <CriticalityBadge value={s.criticality} />
                    </td>
                    <td className="num">
                      {c ? (
                        <Link to={`/alerts?service=${encodeURIComponent(s.slug)}`}>
                          {c.triggered > 0 ? <Badge tone="bad">{c.triggered} triggered</Badge> : null} {c.total}
                        </Link>
                      ) : (
                        <span className="muted">{open.data ? (saturated ? '?' : '0') : '…'}</span>
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
  );
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
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [description, setDescription] = useState('');
  const [teamId, setTeamId] = useState(manageable.length === 1 ? manageable[0]!.id : '');
  const [criticality, setCriticality] = useState<Criticality>('medium');
  const [policyId, setPolicyId] = useState('');
  const [dependsOn, setDependsOn] = useState<string[]>([]);
  const policies = useApi<{ policies: EscalationPolicy[] }>(
    teamId ? `/api/escalation-policies?teamId=${encodeURIComponent(teamId)}` : null,
  );

  const form = useSubmit(
    useCallback(async () => {
      const created = await api.post<Service>('/api/services', {
        name,
        teamId,
        criticality,
        ...(slug.trim() ? { slug: slug.trim() } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(policyId ? { escalationPolicyId: policyId } : {}),
        ...(dependsOn.length ? { dependsOn } : {}),
      });
      onCreated(created);
    }, [name, slug, description, teamId, criticality, policyId, dependsOn, onCreated]),
  );

  return (
    <Card title="New service">
      <form onSubmit={form.onSubmit} noValidate aria-label="New service">
        <ErrorBanner
          error={form.error}
          fields={['name', 'slug', 'description', 'teamId', 'criticality', 'escalationPolicyId', 'dependsOn']}
        />
        <div className="grid-2">
          <Field label="Name" htmlFor="service-name" error={form.fieldError('name')}>
            <input id="service-name" autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field
            label="Slug"
            htmlFor="service-slug"
            error={form.fieldError('slug')}
            hint="Optional; made from the name. Used in URLs and the command line."
          >
            <input id="service-slug" value={slug} placeholder="checkout" onChange={(e) => setSlug(e.target.value)} />
          </Field>
          <Field
            label="Owning team"
            htmlFor="service-team"
            error={form.fieldError('teamId')}
            hint={manageable.length === 0 ? 'You need to be an owner or admin of a team.' : undefined}
          >
            <select
              id="service-team"
              value={teamId}
              onChange={(e) => {
                setTeamId(e.target.value);
                setPolicyId('');
              }}
            >
              <option value="">Choose a team…</option>
              {manageable.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Criticality"
            htmlFor="service-criticality"
            error={form.fieldError('criticality')}
            hint="How much it matters when it breaks; critical services page at once."
          >
            <select
              id="service-criticality"
              value={criticality}
              onChange={(e) => setCriticality(e.target.value as Criticality)}
            >
              {CRITICALITIES.map((c) => (
                <option key={c} value={c}>
                  {c[0]!.toUpperCase() + c.slice(1)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Escalation policy"
            htmlFor="service-policy"
            error={form.fieldError('escalationPolicyId')}
            hint={
              !teamId
                ? 'Pick the team first.'
                : policies.data && policies.data.policies.length === 0
                  ? 'This team has no escalation policy yet; alerts will not page anyone until one is set.'
                  : 'Who is paged when an alert of this service triggers.'
            }
          >
            <select
              id="service-policy"
              value={policyId}
              disabled={!teamId}
              onChange={(e) => setPolicyId(e.target.value)}
            >
              <option value="">None</option>
              {(policies.data?.policies ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Description" htmlFor="service-description" error={form.fieldError('description')}>
            <input id="service-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </Field>
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
                      setDependsOn((d) => (e.target.checked ? [...d, s.id] : d.filter((x) => x !== s.id)))
                    }
                  />
                  {s.name}
                </label>
              ))}
            </div>
            {form.fieldError('dependsOn') && <div className="field-error">{form.fieldError('dependsOn')}</div>}
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Creating…' : 'Create service'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
