/**
 * A post-mortem's action items, for its editor's "Action items" section: the list (status changes inline) and a form
 * to add one — title, owner, due date (following the priority until it is set by hand), priority, kind, team, and
 * "create the issue in the team's tracker". An item without an owner is refused by the API; the refusal shows
 * beside the owner field.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  CheckField,
  ErrorBanner,
  Field,
  FormActions,
  SelectField,
  TextField,
  useApiForm,
} from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { api } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import type { Team, User } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { itemColumns } from './parts.js';
import {
  KIND_OPTIONS,
  PRIORITY_OPTIONS,
  defaultDueDay,
  type ActionItem,
  type ActionItemPage,
  type Kind,
  type Priority,
} from './types.js';

interface AddValues {
  title: string;
  ownerUserId: string;
  teamId: string;
  dueAt: string;
  priority: Priority;
  kind: Kind;
  runbookId: string;
  description: string;
  createTrackerIssue: boolean;
}

function AddActionItemForm({
  postmortemId,
  incidentId,
  sourceSection,
  onAdded,
  onCancel,
}: {
  postmortemId: string | null;
  incidentId: string | null;
  sourceSection?: string | undefined;
  onAdded: (item: ActionItem) => void;
  onCancel: () => void;
}) {
  const users = useApi<{ users: User[] }>('/api/users');
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const form = useApiForm<AddValues>(
    {
      title: '',
      ownerUserId: '',
      teamId: '',
      dueAt: defaultDueDay('medium'),
      priority: 'medium',
      kind: 'prevent',
      runbookId: '',
      description: '',
      createTrackerIssue: false,
    },
    async (v) => {
      const item = await api.post<ActionItem>('/api/action-items', {
        ...(postmortemId ? { postmortemId } : { incidentId }),
        title: v.title.trim(),
        ...(v.ownerUserId ? { ownerUserId: v.ownerUserId } : {}),
        ...(v.teamId ? { teamId: v.teamId } : {}),
        ...(v.dueAt ? { dueAt: v.dueAt } : {}),
        priority: v.priority,
        kind: v.kind,
        ...(v.kind === 'runbook' && v.runbookId ? { runbookId: v.runbookId } : {}),
        ...(v.description.trim() ? { description: v.description.trim() } : {}),
        ...(sourceSection ? { sourceSection } : {}),
        ...(v.createTrackerIssue ? { createTrackerIssue: true } : {}),
      });
      form.reset();
      onAdded(item);
    },
  );
  // The due date follows the priority (high 7 days, medium 14, low 30) until someone sets it by hand.
  const priority = form.watch('priority');
  const isDueTouched = !!form.formState.dirtyFields.dueAt;
  useEffect(() => {
    if (!isDueTouched) form.setValue('dueAt', defaultDueDay(priority));
  }, [priority, isDueTouched, form]);

  const dueError = form.fieldError('dueAt');
  const ownerOptions = [
    { value: '', text: 'Choose the owner…' },
    ...(users.data?.users ?? []).filter((u) => !u.disabledAt).map((u) => ({ value: u.id, text: u.name || u.email })),
  ];
  // "Update the runbook" names a runbook of the item's team (the chosen team's, or any while none is chosen).
  const runbooks = useApi<{ items: { id: string; teamId: string; title: string; teamName: string }[] }>(
    '/api/runbooks',
  );
  const kind = form.watch('kind');
  const chosenTeam = form.watch('teamId');
  const runbookOptions = [
    { value: '', text: 'Choose the runbook…' },
    ...(runbooks.data?.items ?? [])
      .filter((r) => !chosenTeam || r.teamId === chosenTeam)
      .map((r) => ({ value: r.id, text: `${r.title} (${r.teamName})` })),
  ];
  const teamOptions = [
    { value: '', text: "The owner's team" },
    ...(teams.data?.teams ?? []).map((t) => ({ value: t.id, text: t.name })),
  ];

  return (
    <form onSubmit={form.onSubmit} aria-label="Add an action item" className="ai-add">
      <TextField
        form={form}
        name="title"
        id="ai-title"
        label="What is to be done"
        maxLength={300}
        rules={{ required: 'is required' }}
      />
      <div className="grid-2">
        <SelectField
          form={form}
          name="ownerUserId"
          id="ai-owner"
          label="Owner"
          options={ownerOptions}
          hint="One person: an action item without an owner will not get done."
        />
        <SelectField form={form} name="teamId" id="ai-team" label="Team" options={teamOptions} />
        <SelectField form={form} name="priority" id="ai-priority" label="Priority" options={PRIORITY_OPTIONS} />
        <Field label="Due" htmlFor="ai-due" error={dueError} hint="Follows the priority until you change it.">
          <input
            id="ai-due"
            type="date"
            aria-invalid={dueError ? true : undefined}
            aria-describedby={dueError ? 'ai-due-error' : undefined}
            {...form.register('dueAt')}
          />
        </Field>
        <SelectField form={form} name="kind" id="ai-kind" label="Kind" options={KIND_OPTIONS} />
        {kind === 'runbook' && (
          <SelectField
            form={form}
            name="runbookId"
            id="ai-runbook"
            label="Runbook"
            options={runbookOptions}
            hint="Marked reviewed when this item is done."
          />
        )}
      </div>
      <TextField
        form={form}
        name="description"
        id="ai-description"
        label="Details (optional)"
        rows={3}
        maxLength={20000}
      />
      <CheckField
        form={form}
        name="createTrackerIssue"
        id="ai-tracker"
        label="Create the issue in the team's tracker"
      />
      <ErrorBanner
        error={form.error}
        fields={['title', 'ownerUserId', 'teamId', 'dueAt', 'priority', 'kind', 'runbookId', 'description']}
      />
      <FormActions busy={form.busy} submit="Add action item" busyText="Adding…" onCancel={onCancel} />
    </form>
  );
}

export function ActionItemsSection({
  postmortemId,
  incidentId,
  sourceSection,
  canEdit,
}: {
  postmortemId: string | null;
  incidentId: string | null;
  sourceSection?: string;
  canEdit: boolean;
}) {
  const user = useUser();
  const path = postmortemId
    ? `/api/action-items?postmortemId=${encodeURIComponent(postmortemId)}&limit=200`
    : `/api/action-items?incidentId=${encodeURIComponent(incidentId ?? '')}&limit=200`;
  const list = useApi<ActionItemPage>(path);
  const [items, setItems] = useState<ActionItem[] | null>(null);
  const [adding, setAdding] = useState(false);
  useEffect(() => setItems(list.data?.items ?? null), [list.data]);

  const replace = useCallback(
    (item: ActionItem) => setItems((cur) => (cur ? cur.map((i) => (i.id === item.id ? item : i)) : cur)),
    [],
  );
  const columns = useMemo(
    () => itemColumns({ timeZone: user.timezone, withIncident: false, onChanged: replace }),
    [user.timezone, replace],
  );
  const shown = items ?? list.data?.items ?? null;

  return (
    <div className="ai-section" data-testid="action-items-section">
      <Loadable
        resource={{ data: shown, error: list.error, reload: list.reload }}
        what="action items"
        isEmpty={(d) => d.length === 0}
        empty="No action items yet. Each one needs an owner and a due date."
      >
        {(d) => (
          <DataTable
            label="Action items"
            columns={columns}
            rows={d}
            rowKey={(i) => i.id}
            rowData={(i) => ({ 'data-action-item-id': i.id })}
            dense
          />
        )}
      </Loadable>
      {canEdit &&
        (adding ? (
          <AddActionItemForm
            postmortemId={postmortemId}
            incidentId={incidentId}
            sourceSection={sourceSection}
            onCancel={() => setAdding(false)}
            onAdded={(item) => {
              setItems((cur) => [...(cur ?? []), item].sort((a, b) => a.dueAt.localeCompare(b.dueAt)));
              setAdding(false);
            }}
          />
        ) : (
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setAdding(true)}>
              Add action item
            </button>
          </div>
        ))}
    </div>
  );
}
