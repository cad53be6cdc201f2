/**
 * The contributing-factor taxonomy (org admins; docs/postmortems.md, "Root cause: 5 Whys and contributing factors"):
 * add a factor (its key is unique and never changes, so counts and scripts keep working), rename or describe it,
 * archive it (it stays on the post-mortems that have it and in their counts) or restore it.
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm, useSubmit } from '../components/forms.js';
import { Loadable } from '../components/state.js';
import { DataTable, type Column } from '../components/table.js';
import { Badge, Card, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { useUser } from '../lib/session.js';
import { useApi } from '../lib/use-api.js';
import type { ContributingFactor } from './postmortems/whys.js';

interface FactorValues {
  key: string;
  label: string;
  description: string;
}

export function ContributingFactorsPage() {
  const user = useUser();
  const factors = useApi<ContributingFactor[]>('/api/contributing-factors?includeArchived=true');
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  const columns: Column<ContributingFactor>[] = [
    {
      id: 'label',
      header: 'Factor',
      cell: (f) => (
        <>
          <strong>{f.label}</strong> {f.archived && <Badge>Archived</Badge>}
          {f.description && <div className="muted small">{f.description}</div>}
        </>
      ),
      sortValue: (f) => f.label,
    },
    { id: 'key', header: 'Key', cell: (f) => <code>{f.key}</code>, sortValue: (f) => f.key, hideOnPhone: true },
    ...(user.isAdmin
      ? [
          {
            id: 'actions',
            header: 'Actions',
            headerHidden: true,
            align: 'actions' as const,
            cell: (f: ContributingFactor) => (
              <FactorActions
                factor={f}
                onEdit={() => setEditing(editing === f.id ? null : f.id)}
                onChanged={factors.reload}
              />
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title="Contributing factors"
        subtitle="The causes post-mortems are tagged with, so they can be counted across incidents."
        actions={
          user.isAdmin && !adding ? (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              New factor
            </button>
          ) : undefined
        }
      />
      {!user.isAdmin && <p className="banner banner-info">Only organisation admins can change contributing factors.</p>}
      {adding && (
        <Card title="New contributing factor">
          <FactorForm
            onDone={() => {
              setAdding(false);
              factors.reload();
            }}
            onCancel={() => setAdding(false)}
          />
        </Card>
      )}
      <Card className="card-flush">
        <Loadable resource={factors} what="contributing factors" isEmpty={(d) => d.length === 0}>
          {(rows) => (
            <DataTable
              label="Contributing factors"
              columns={columns}
              rows={rows}
              rowKey={(f) => f.id}
              rowClassName={(f) => (f.archived ? 'row-dim' : undefined)}
              rowData={(f) => ({ 'data-factor-key': f.key })}
              rowDetail={(f) =>
                editing === f.id ? (
                  <FactorForm
                    factor={f}
                    onDone={() => {
                      setEditing(null);
                      factors.reload();
                    }}
                    onCancel={() => setEditing(null)}
                  />
                ) : null
              }
              testId="factors-table"
            />
          )}
        </Loadable>
      </Card>
    </>
  );
}

function FactorActions({
  factor,
  onEdit,
  onChanged,
}: {
  factor: ContributingFactor;
  onEdit: () => void;
  onChanged: () => void;
}) {
  const archive = useSubmit(async () => {
    await api.patch(`/api/contributing-factors/${encodeURIComponent(factor.id)}`, { archived: !factor.archived });
    onChanged();
  });
  return (
    <span className="row-actions">
      <button type="button" className="btn btn-small btn-ghost" onClick={onEdit}>
        Edit
      </button>
      <button
        type="button"
        className="btn btn-small btn-ghost"
        disabled={archive.busy}
        onClick={() => void archive.run()}
      >
        {factor.archived ? 'Restore' : 'Archive'}
      </button>
      <ErrorBanner error={archive.error} />
    </span>
  );
}

function FactorForm({
  factor,
  onDone,
  onCancel,
}: {
  factor?: ContributingFactor;
  onDone: () => void;
  onCancel: () => void;
}) {
  const prefix = factor ? `factor-${factor.id}` : 'factor-new';
  const form = useApiForm<FactorValues>(
    { key: factor?.key ?? '', label: factor?.label ?? '', description: factor?.description ?? '' },
    async (v) => {
      if (factor) {
        await api.patch(`/api/contributing-factors/${encodeURIComponent(factor.id)}`, {
          label: v.label,
          description: v.description,
        });
      } else {
        await api.post('/api/contributing-factors', { key: v.key, label: v.label, description: v.description });
      }
      onDone();
    },
  );
  return (
    <form onSubmit={form.onSubmit} aria-label={factor ? `Edit ${factor.label}` : 'New contributing factor'}>
      {!factor && (
        <TextField
          form={form}
          name="key"
          id={`${prefix}-key`}
          label="Key"
          hint="Lower-case letters, digits and underscores, e.g. vendor_outage. It cannot change later."
          rules={{ required: 'is required' }}
          maxLength={50}
          spellCheck={false}
        />
      )}
      <TextField
        form={form}
        name="label"
        id={`${prefix}-label`}
        label="Name"
        rules={{ required: 'is required' }}
        maxLength={100}
      />
      <TextField
        form={form}
        name="description"
        id={`${prefix}-description`}
        label="Description"
        rows={2}
        maxLength={1000}
      />
      <ErrorBanner error={form.error} fields={['key', 'label', 'description']} />
      <FormActions busy={form.busy} submit={factor ? 'Save' : 'Add factor'} onCancel={onCancel} />
    </form>
  );
}
