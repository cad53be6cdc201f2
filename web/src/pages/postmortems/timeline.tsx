/**
 * The timeline section: the incident's own record, pre-filled (GET …/timeline). The author stars what matters,
 * hides noise, tags moments (detection, diagnosis, repair, key moment), writes a narrative per event and adds
 * entries for what happened off-tool; "Curated" shows what the export uses. Milestones with MTTD/MTTA/MTTR, each
 * correctable with a reason. On a phone the table reads as cards (DataTable).
 */
import { useEffect, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { useApi } from '../../lib/use-api.js';
import { fromLocalInput, toLocalInput } from '../alerts/time-input.js';
import { seconds } from '../incidents/types.js';
import type { EditorContext } from './editor.js';
import {
  MILESTONES,
  MILESTONE_TEXT,
  TAG_TEXT,
  TIMELINE_TAGS,
  pmPath,
  userName,
  type Metrics,
  type Milestone,
  type Timeline,
  type TimelineItem,
  type TimelineTag,
} from './types.js';

export function TimelineSection({ ctx }: { ctx: EditorContext }) {
  const [curated, setCurated] = useState(false);
  const [showHidden, setShowHidden] = useState(false);
  const base = `${pmPath(ctx.pm.id)}/timeline`;
  const res = useApi<Timeline>(curated ? `${base}?view=curated` : base);
  const [events, setEvents] = useState<TimelineItem[] | null>(null);
  const [ms, setMs] = useState<{ milestones: Timeline['milestones']; metrics: Metrics } | null>(null);
  useEffect(() => {
    if (res.data) {
      setEvents(res.data.events);
      setMs({ milestones: res.data.milestones, metrics: res.data.metrics });
    }
  }, [res.data]);

  const replace = (item: TimelineItem) => setEvents((es) => es?.map((e) => (e.ref === item.ref ? item : e)) ?? es);
  const shown = (events ?? []).filter((e) => showHidden || !e.hidden);
  const hiddenCount = (events ?? []).filter((e) => e.hidden).length;

  return (
    <div className="pm-timeline">
      {ms && <MilestonesTable ctx={ctx} milestones={ms.milestones} metrics={ms.metrics} onChanged={setMs} />}
      <div className="pm-timeline-bar">
        <span className="segmented" role="group" aria-label="Timeline view">
          <button
            type="button"
            className={curated ? undefined : 'on'}
            aria-pressed={!curated}
            onClick={() => setCurated(false)}
          >
            All events
          </button>
          <button
            type="button"
            className={curated ? 'on' : undefined}
            aria-pressed={curated}
            onClick={() => setCurated(true)}
          >
            Curated only
          </button>
        </span>
        {!curated && (
          <label className="check pm-check-inline" htmlFor="pm-show-hidden">
            <input
              id="pm-show-hidden"
              type="checkbox"
              checked={showHidden}
              onChange={(e) => setShowHidden(e.target.checked)}
            />{' '}
            Show hidden{hiddenCount ? ` (${hiddenCount})` : ''}
          </label>
        )}
      </div>
      <Loadable
        resource={{ data: res.data ? events : null, error: res.error, reload: res.reload }}
        what="the timeline"
        isEmpty={() => shown.length === 0}
        empty={curated ? 'Nothing starred yet: star the moments that matter.' : 'No events.'}
      >
        {() => <TimelineTable ctx={ctx} events={shown} onChanged={replace} onDeleted={res.reload} />}
      </Loadable>
      {ctx.canEdit && <AddEntryForm ctx={ctx} onAdded={res.reload} />}
    </div>
  );
}

function TimelineTable({
  ctx,
  events,
  onChanged,
  onDeleted,
}: {
  ctx: EditorContext;
  events: TimelineItem[];
  onChanged: (item: TimelineItem) => void;
  onDeleted: () => void;
}) {
  const { pm, canEdit, me } = ctx;
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mark = async (
    ref: string,
    change: { starred?: boolean; hidden?: boolean; tag?: TimelineTag | null; narrative?: string | null },
  ) => {
    setError(null);
    try {
      onChanged(await api.put<TimelineItem>(`${pmPath(pm.id)}/timeline/marks`, { ref, ...change }));
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const remove = async (entryId: string) => {
    setError(null);
    try {
      await api.del(`${pmPath(pm.id)}/timeline/entries/${encodeURIComponent(entryId)}`);
      onDeleted();
    } catch (e) {
      setError(e);
    }
  };

  const columns: Column<TimelineItem>[] = [
    {
      id: 'at',
      header: 'Time',
      className: 'nowrap',
      sortValue: (e) => e.at,
      cell: (e) => formatTime(e.at, me.timezone),
    },
    {
      id: 'event',
      header: 'Event',
      cell: (e) => (
        <div className="pm-event">
          <div className="break">
            {e.starred && (
              <span className="pm-star" aria-label="starred">
                ★{' '}
              </span>
            )}
            {e.body}
          </div>
          <div className="muted small">
            {e.source === 'entry' ? 'added by the author' : e.kind.replace(/_/g, ' ')}
            {e.actor ? ` · ${userName(e.actor)}` : ''}
            {e.hidden && ' · hidden'}
          </div>
          {e.narrative && <div className="pm-narrative prewrap break">{e.narrative}</div>}
        </div>
      ),
    },
    {
      id: 'tag',
      header: 'Tag',
      cell: (e) =>
        canEdit ? (
          <select
            aria-label={`Tag for ${e.body.slice(0, 40)}`}
            value={e.tag ?? ''}
            onChange={(ev) => void mark(e.ref, { tag: (ev.target.value || null) as TimelineTag | null })}
          >
            <option value="">No tag</option>
            {TIMELINE_TAGS.map((t) => (
              <option key={t} value={t}>
                {TAG_TEXT[t]}
              </option>
            ))}
          </select>
        ) : e.tag ? (
          <Badge tone="info">{TAG_TEXT[e.tag]}</Badge>
        ) : null,
    },
  ];
  if (canEdit)
    columns.push({
      id: 'actions',
      header: 'Actions',
      headerHidden: true,
      align: 'actions',
      cell: (e) => (
        <span className="row-actions">
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-pressed={e.starred}
            onClick={() => void mark(e.ref, { starred: !e.starred })}
          >
            {e.starred ? 'Unstar' : 'Star'}
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => void mark(e.ref, { hidden: !e.hidden })}
          >
            {e.hidden ? 'Show' : 'Hide'}
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => setEditing(editing === e.ref ? null : e.ref)}
          >
            Narrative
          </button>
          {e.source === 'entry' && e.entryId && (
            <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => void remove(e.entryId!)}>
              Delete
            </button>
          )}
        </span>
      ),
    });

  return (
    <>
      <ErrorBanner error={error} />
      <DataTable
        label="Timeline"
        columns={columns}
        rows={events}
        rowKey={(e) => e.ref}
        rowClassName={(e) => [e.hidden ? 'row-dim' : '', e.starred ? 'pm-row-starred' : ''].join(' ') || undefined}
        rowData={(e) => ({ 'data-ref': e.ref, 'data-starred': String(e.starred), 'data-hidden': String(e.hidden) })}
        rowDetail={(e) =>
          editing === e.ref ? (
            <NarrativeForm
              item={e}
              onSave={async (text) => {
                if (await mark(e.ref, { narrative: text.trim() || null })) setEditing(null);
              }}
              onCancel={() => setEditing(null)}
            />
          ) : null
        }
        dense
        className="pm-timeline-table"
      />
    </>
  );
}

function NarrativeForm({
  item,
  onSave,
  onCancel,
}: {
  item: TimelineItem;
  onSave: (text: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [text, setText] = useState(item.narrative ?? '');
  const id = `narrative-${item.ref}`;
  return (
    <form
      className="pm-narrative-form"
      aria-label="Narrative"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(text);
      }}
    >
      <label htmlFor={id} className="label-like">
        What this moment meant
      </label>
      <textarea id={id} rows={2} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      <div className="form-actions">
        <button type="submit" className="btn btn-small btn-primary">
          Save narrative
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function AddEntryForm({ ctx, onAdded }: { ctx: EditorContext; onAdded: () => void }) {
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState(() => toLocalInput(new Date(ctx.pm.incident.resolvedAt ?? Date.now())));
  const [body, setBody] = useState('');
  const [tag, setTag] = useState('');
  const send = useSubmit(async () => {
    await api.post(`${pmPath(ctx.pm.id)}/timeline/entries`, {
      at: fromLocalInput(at),
      body: body.trim(),
      ...(tag ? { tag } : {}),
    });
    setBody('');
    setTag('');
    setOpen(false);
    onAdded();
  });
  if (!open)
    return (
      <button type="button" className="btn btn-small pm-add-entry" onClick={() => setOpen(true)}>
        Add an entry
      </button>
    );
  return (
    <form className="subform pm-entry-form" aria-label="Add a timeline entry" onSubmit={send.onSubmit}>
      <div className="pm-entry-fields">
        <Field label="Time" htmlFor="pm-entry-at" error={send.fieldError('at')}>
          <input id="pm-entry-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
        </Field>
        <Field label="Tag" htmlFor="pm-entry-tag">
          <select id="pm-entry-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">No tag</option>
            {TIMELINE_TAGS.map((t) => (
              <option key={t} value={t}>
                {TAG_TEXT[t]}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label="What happened" htmlFor="pm-entry-body" error={send.fieldError('body')}>
        <textarea id="pm-entry-body" rows={2} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
      <ErrorBanner error={send.error} fields={['at', 'body']} />
      <div className="form-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={send.busy || !body.trim() || !at}>
          Add entry
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function MilestonesTable({
  ctx,
  milestones,
  metrics,
  onChanged,
}: {
  ctx: EditorContext;
  milestones: Timeline['milestones'];
  metrics: Metrics;
  onChanged: (v: { milestones: Timeline['milestones']; metrics: Metrics }) => void;
}) {
  const { me, canEdit } = ctx;
  const [correcting, setCorrecting] = useState<Milestone | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const metric = (s: number | null) => (s === null ? '—' : seconds(s));
  const rows = MILESTONES.map((m) => ({ m, at: milestones[m] }));
  const columns: Column<(typeof rows)[number]>[] = [
    { id: 'm', header: 'Milestone', cell: (r) => MILESTONE_TEXT[r.m] },
    { id: 'at', header: 'Time', className: 'nowrap', cell: (r) => formatTime(r.at, me.timezone) },
  ];
  if (canEdit)
    columns.push({
      id: 'actions',
      header: 'Actions',
      headerHidden: true,
      align: 'actions',
      cell: (r) => (
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => setCorrecting(correcting === r.m ? null : r.m)}
        >
          Correct
        </button>
      ),
    });
  return (
    <div className="pm-milestones">
      <dl className="pm-metrics" aria-label="Response metrics">
        <div>
          <dt>MTTD</dt>
          <dd data-testid="mttd">{metric(metrics.mttdSeconds)}</dd>
        </div>
        <div>
          <dt>MTTA</dt>
          <dd data-testid="mtta">{metric(metrics.mttaSeconds)}</dd>
        </div>
        <div>
          <dt>MTTR</dt>
          <dd data-testid="mttr">{metric(metrics.mttrSeconds)}</dd>
        </div>
      </dl>
      <DataTable
        label="Milestones"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.m}
        rowData={(r) => ({ 'data-milestone': r.m })}
        rowDetail={(r) =>
          correcting === r.m ? (
            <CorrectMilestoneForm
              ctx={ctx}
              milestone={r.m}
              at={r.at}
              onDone={(v) => {
                if (v) {
                  onChanged(v);
                  setWarnings(v.warnings);
                }
                setCorrecting(null);
              }}
            />
          ) : null
        }
        dense
      />
      {warnings.length > 0 && (
        <div className="banner banner-warn">
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function CorrectMilestoneForm({
  ctx,
  milestone,
  at,
  onDone,
}: {
  ctx: EditorContext;
  milestone: Milestone;
  at: string | null;
  onDone: (v: { milestones: Timeline['milestones']; metrics: Metrics; warnings: string[] } | null) => void;
}) {
  const [value, setValue] = useState(at ? toLocalInput(new Date(at)) : '');
  const [reason, setReason] = useState('');
  const send = useSubmit(async () => {
    const res = await api.put<{ milestones: Timeline['milestones']; metrics: Metrics; warnings?: unknown[] }>(
      `${pmPath(ctx.pm.id)}/milestones/${milestone}`,
      { at: fromLocalInput(value), reason: reason.trim() },
    );
    const warnings = (res.warnings ?? []).map((w) =>
      typeof w === 'string' ? w : typeof w === 'object' && w && 'message' in w ? String(w.message) : JSON.stringify(w),
    );
    onDone({ milestones: res.milestones, metrics: res.metrics, warnings });
  });
  const idBase = `pm-ms-${milestone}`;
  return (
    <form className="pm-correct-form" aria-label={`Correct ${MILESTONE_TEXT[milestone]}`} onSubmit={send.onSubmit}>
      <div className="pm-entry-fields">
        <Field label="Time" htmlFor={`${idBase}-at`} hint="Empty clears it." error={send.fieldError('at')}>
          <input id={`${idBase}-at`} type="datetime-local" value={value} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <Field label="Reason" htmlFor={`${idBase}-reason`} error={send.fieldError('reason')}>
          <input id={`${idBase}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      </div>
      <ErrorBanner error={send.error} fields={['at', 'reason']} />
      <div className="form-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={send.busy || !reason.trim()}>
          Save correction
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
