import { useCallback, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.js';
import type { Team } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { RoleBadge } from './team.js';

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
        {teams.error ? (
          <LoadError error={teams.error} retry={teams.reload} />
        ) : !teams.data ? (
          <Loading what="Loading teams" />
        ) : teams.data.teams.length === 0 ? (
          <Empty>No teams yet. Create the first one.</Empty>
        ) : (
          <table className="table" aria-label="Teams">
            <thead>
              <tr>
                <th>Team</th>
                <th>Slug</th>
                <th className="num">Members</th>
                <th>Your role</th>
              </tr>
            </thead>
            <tbody>
              {teams.data.teams.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/teams/${encodeURIComponent(t.slug)}`} className="strong">
                      {t.name}
                    </Link>
                    {t.description && <div className="muted small clamp">{t.description}</div>}
                  </td>
                  <td>
                    <code>{t.slug}</code>
                  </td>
                  <td className="num">{t.memberCount ?? '—'}</td>
                  <td>{t.myRole ? <RoleBadge role={t.myRole} /> : <Badge>not a member</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function CreateTeam({ onCreated, onCancel }: { onCreated: (t: Team) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [description, setDescription] = useState('');
  const form = useSubmit(
    useCallback(async () => {
      const team = await api.post<Team>('/api/teams', {
        name,
        ...(slug.trim() ? { slug: slug.trim() } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      onCreated(team);
    }, [name, slug, description, onCreated]),
  );
  return (
    <Card title="New team">
      <form onSubmit={form.onSubmit} noValidate aria-label="New team">
        <ErrorBanner error={form.error} fields={['name', 'slug', 'description']} />
        <div className="grid-2">
          <Field label="Name" htmlFor="team-name" error={form.fieldError('name')}>
            <input id="team-name" autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field
            label="Slug"
            htmlFor="team-slug"
            error={form.fieldError('slug')}
            hint="Optional; made from the name. Lower-case letters, digits and dashes."
          >
            <input id="team-slug" value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="payments" />
          </Field>
        </div>
        <Field label="Description" htmlFor="team-description" error={form.fieldError('description')}>
          <textarea
            id="team-description"
            rows={2}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Creating…' : 'Create team'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
