import { useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.js';
import type { Team } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { RoleBadge } from './team.js';

const TEAM_COLUMNS: Column<Team>[] = [
  {
    id: 'name',
    header: 'Team',
    sortValue: (t) => t.name.toLowerCase(),
    cell: (t) => (
      <>
        <Link to={`/teams/${encodeURIComponent(t.slug)}`} className="strong">
          {t.name}
        </Link>
        {t.description && <div className="muted small clamp">{t.description}</div>}
      </>
    ),
  },
  { id: 'slug', header: 'Slug', hideOnPhone: true, cell: (t) => <code>{t.slug}</code> },
  {
    id: 'members',
    header: 'Members',
    align: 'num',
    sortValue: (t) => t.memberCount ?? null,
    cell: (t) => t.memberCount ?? '—',
  },
  {
    id: 'role',
    header: 'Your role',
    cell: (t) => (t.myRole ? <RoleBadge role={t.myRole} /> : <Badge>not a member</Badge>),
  },
];

export function TeamsPage() {
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const [showForm, setShowForm] = useState(false);

  return (
    <>
      <PageHeader
        title="Teams"
        subtitle="The groups of people who respond together. Your role in each team decides what you can change."
        actions={
          !showForm && (
            <button type="button" className="btn btn-primary" onClick={() => setShowForm(true)}>
              New team
            </button>
          )
        }
      />
      {showForm && (
        <CreateTeam
          onCreated={() => {
            setShowForm(false);
            teams.reload();
          }}
          onCancel={() => setShowForm(false)}
        />
      )}
      <Card>
        <Loadable
          resource={teams}
          what="teams"
          isEmpty={(d) => d.teams.length === 0}
          empty="No teams yet. Create the first one."
        >
          {(d) => <DataTable label="Teams" columns={TEAM_COLUMNS} rows={d.teams} rowKey={(t) => t.id} />}
        </Loadable>
      </Card>
    </>
  );
}

function CreateTeam({ onCreated, onCancel }: { onCreated: (t: Team) => void; onCancel: () => void }) {
  const form = useApiForm({ name: '', slug: '', description: '' }, async (v) => {
    const team = await api.post<Team>('/api/teams', {
      name: v.name,
      ...(v.slug.trim() ? { slug: v.slug.trim() } : {}),
      ...(v.description.trim() ? { description: v.description.trim() } : {}),
    });
    onCreated(team);
  });
  return (
    <Card title="New team">
      <form onSubmit={form.onSubmit} noValidate aria-label="New team">
        <ErrorBanner error={form.error} fields={['name', 'slug', 'description']} />
        <div className="grid-2">
          <TextField form={form} name="name" id="team-name" label="Name" autoFocus />
          <TextField
            form={form}
            name="slug"
            id="team-slug"
            label="Slug"
            placeholder="payments"
            hint="Optional; made from the name. Lower-case letters, digits and dashes."
          />
        </div>
        <TextField form={form} name="description" id="team-description" label="Description" rows={2} />
        <FormActions busy={form.busy} submit="Create team" busyText="Creating…" onCancel={onCancel} />
      </form>
    </Card>
  );
}
