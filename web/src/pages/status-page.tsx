/**
 * Setting up the public status page: its components (what customers see, each with the status an administrator
 * sets when no incident or maintenance says otherwise) and who is subscribed. Publishing an incident happens in the
 * incident room. Everyone signed in can look; administrators change (the API enforces it too).
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm, useSubmit } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Card, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import { COMPONENT_STATUS_LABELS, type ComponentStatus } from '../lib/status-page.js';
import { useApi } from '../lib/use-api.js';

interface StatusComponent {
  id: string;
  name: string;
  description: string;
  status: ComponentStatus;
}

/** GET/PATCH /api/status-page/settings: what the public page is called and says at its top. */
interface Settings {
  title: string;
  slug: string;
  description: string;
  url: string;
  updatedAt: string;
}

interface Subscriber {
  id: string;
  kind: string;
  address: string;
  confirmedAt: string | null;
  createdAt: string;
  componentIds: string[];
}

const COMPONENT_COLUMNS: Column<StatusComponent>[] = [
  {
    id: 'name',
    header: 'Component',
    sortValue: (c) => c.name.toLowerCase(),
    cell: (c) => (
      <>
        <strong>{c.name}</strong>
        {c.description && <div className="muted small">{c.description}</div>}
      </>
    ),
  },
];

export function StatusPageSetupPage() {
  const user = useUser();
  const components = useApi<{ components: StatusComponent[] }>('/api/status-page/components');
  const subscribers = useApi<{ subscribers: Subscriber[] }>(user.isAdmin ? '/api/status-page/subscribers' : null);
  const names = new Map((components.data?.components ?? []).map((c) => [c.id, c.name]));
  return (
    <>
      <PageHeader
        title="Status page"
        subtitle={
          <>
            What customers see at{' '}
            <a href="/status" target="_blank" rel="noreferrer">
              /status
            </a>
            . Publish incidents from the incident room.
          </>
        }
      />
      <PageSettingsCard isAdmin={user.isAdmin} />
      <Card title="Components">
        <Loadable
          resource={components}
          what="components"
          isEmpty={(d) => d.components.length === 0}
          empty={`No components yet.${user.isAdmin ? ' Add the first one below.' : ''}`}
        >
          {(d) => (
            <DataTable
              label="Components"
              columns={[
                ...COMPONENT_COLUMNS,
                {
                  id: 'status',
                  header: 'Status when nothing is published',
                  sortValue: (c) => c.status,
                  cell: (c) =>
                    user.isAdmin ? (
                      <ComponentStatusSelect component={c} onChanged={components.reload} />
                    ) : (
                      COMPONENT_STATUS_LABELS[c.status]
                    ),
                },
              ]}
              rows={d.components}
              rowKey={(c) => c.id}
            />
          )}
        </Loadable>
        {user.isAdmin && <AddComponent onAdded={components.reload} />}
      </Card>
      {user.isAdmin && (
        <Card title="Subscribers">
          <Loadable
            resource={subscribers}
            what="subscribers"
            isEmpty={(d) => d.subscribers.length === 0}
            empty="Nobody has subscribed yet. Customers subscribe on the public page."
          >
            {(d) => (
              <DataTable
                label="Subscribers"
                columns={[
                  {
                    id: 'address',
                    header: 'Address',
                    sortValue: (s) => s.address.toLowerCase(),
                    cell: (s) => (
                      <>
                        {s.address} <span className="muted small">{s.kind}</span>
                        {!s.confirmedAt && <span className="muted small"> · not confirmed yet</span>}
                      </>
                    ),
                  },
                  {
                    id: 'follows',
                    header: 'Follows',
                    cell: (s) =>
                      s.componentIds.length
                        ? s.componentIds.map((id) => names.get(id) ?? id).join(', ')
                        : 'every component',
                  },
                  {
                    id: 'since',
                    header: 'Since',
                    hideOnPhone: true,
                    sortValue: (s) => s.createdAt,
                    cell: (s) => formatTime(s.createdAt, user.timezone),
                  },
                  {
                    id: 'actions',
                    header: 'Actions',
                    headerHidden: true,
                    align: 'actions',
                    cell: (s) => <RemoveSubscriber subscriber={s} onRemoved={subscribers.reload} />,
                  },
                ]}
                rows={d.subscribers}
                rowKey={(s) => s.id}
              />
            )}
          </Loadable>
        </Card>
      )}
    </>
  );
}

function ComponentStatusSelect({ component, onChanged }: { component: StatusComponent; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <select
        aria-label={`${component.name} status`}
        value={component.status}
        onChange={(e) => {
          setError(null);
          api
            .patch(`/api/status-page/components/${encodeURIComponent(component.id)}`, { status: e.target.value })
            .then(onChanged, setError);
        }}
      >
        {(Object.keys(COMPONENT_STATUS_LABELS) as ComponentStatus[]).map((s) => (
          <option key={s} value={s}>
            {COMPONENT_STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      <ErrorBanner error={error} />
    </>
  );
}

function AddComponent({ onAdded }: { onAdded: () => void }) {
  const form = useApiForm({ name: '', description: '' }, async (v) => {
    await api.post('/api/status-page/components', { name: v.name.trim(), description: v.description.trim() });
    form.reset();
    onAdded();
  });
  return (
    <form onSubmit={form.onSubmit} aria-label="Add a component" className="add-component">
      <ErrorBanner error={form.error} fields={['name', 'description']} />
      <TextField
        form={form}
        name="name"
        id="component-name"
        label="New component"
        placeholder="What customers know it as: Checkout, Website, API"
        maxLength={200}
      />
      <TextField form={form} name="description" id="component-description" label="Description" />
      <button type="submit" className="btn" disabled={form.busy || !form.watch('name').trim()}>
        Add component
      </button>
    </form>
  );
}

function RemoveSubscriber({ subscriber, onRemoved }: { subscriber: Subscriber; onRemoved: () => void }) {
  const submit = useSubmit(async () => {
    await api.del(`/api/status-page/subscribers/${encodeURIComponent(subscriber.id)}`);
    onRemoved();
  });
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        disabled={submit.busy}
        aria-label={`Remove ${subscriber.address}`}
        onClick={() => void submit.run()}
      >
        Remove
      </button>
      <ErrorBanner error={submit.error} />
    </>
  );
}

/** The page's title, slug and description: administrators change them here (PATCH /api/status-page/settings). */
function PageSettingsCard({ isAdmin }: { isAdmin: boolean }) {
  const settings = useApi<Settings>('/api/status-page/settings');
  return (
    <Card title="Page">
      <Loadable resource={settings} what="status page settings">
        {(d) =>
          isAdmin ? (
            <PageSettingsForm settings={d} onSaved={settings.reload} />
          ) : (
            <dl className="facts">
              <dt>Title</dt>
              <dd>{d.title}</dd>
              <dt>Slug</dt>
              <dd>
                <code>{d.slug}</code>
              </dd>
              <dt>Description</dt>
              <dd>{d.description || '—'}</dd>
            </dl>
          )
        }
      </Loadable>
    </Card>
  );
}

function PageSettingsForm({ settings, onSaved }: { settings: Settings; onSaved: () => void }) {
  const [saved, setSaved] = useState(false);
  const form = useApiForm(
    { title: settings.title, slug: settings.slug, description: settings.description },
    async (v) => {
      setSaved(false);
      await api.patch<Settings>('/api/status-page/settings', {
        title: v.title.trim(),
        slug: v.slug.trim(),
        description: v.description.trim(),
      });
      setSaved(true);
      onSaved();
    },
  );
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Status page settings">
      <ErrorBanner error={form.error} fields={['title', 'slug', 'description']} />
      <div className="grid-2">
        <TextField
          form={form}
          name="title"
          id="status-title"
          label="Title"
          hint="The page's heading, e.g. “Acme status”."
          maxLength={200}
          rules={{ required: 'is required' }}
        />
        <TextField
          form={form}
          name="slug"
          id="status-slug"
          label="Slug"
          hint="Lowercase letters, digits and hyphens."
          maxLength={63}
          spellCheck={false}
          rules={{ required: 'is required' }}
        />
      </div>
      <TextField
        form={form}
        name="description"
        id="status-description"
        label="Description"
        hint="Shown under the title on the public page."
        rows={3}
        maxLength={2000}
      />
      <FormActions busy={form.busy} submit="Save page settings" busyText="Saving…" />
      {saved && (
        <div className="saved small" role="status">
          Saved. The public page shows it now.
        </div>
      )}
    </form>
  );
}
