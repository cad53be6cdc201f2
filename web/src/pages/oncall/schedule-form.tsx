/**
 * /oncall/new and /oncall/schedules/:id/edit: the schedule (name, team, time zone) and its layers (participants in
 * order, turn length, first hand-off date and time in the schedule's zone, optional restrictions).
 */
import { useCallback, useMemo, useState } from 'react';
import { ErrorBanner, Field, FormActions, useSubmit } from '../../components/forms.js';
import { TimeZoneInput, zoneHint } from '../../components/timezone.js';
import { Loadable } from '../../components/state.js';
import { Card, LoadError, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link, navigate } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { describeDays } from './describe.js';
import { pickerLabel, usePeople, useTeamPicker, useTeams, type People, type TeamPicker } from './people.js';
import { ShowEveryoneToggle } from './team-picker.js';
import { DAY_NAMES, DAYS, type Day, type Layer, type Restriction, type Schedule } from './types.js';
import { browserZone, todayIn } from './zone.js';

type Unit = 'hours' | 'days' | 'weeks';

interface LayerDraft {
  key: string;
  id: string | null;
  name: string;
  participants: string[];
  turnCount: string;
  turnUnit: Unit;
  startDate: string;
  handoffTime: string;
  restrictions: Restriction[];
  /** The layer's own zone (follow the sun); empty: the schedule's. */
  timeZone: string;
}

let draftSeq = 0;
const newKey = () => `draft-${++draftSeq}`;

function blankLayer(n: number, zone: string): LayerDraft {
  return {
    key: newKey(),
    id: null,
    name: n === 0 ? 'Primary' : `Layer ${n + 1}`,
    participants: [],
    turnCount: '1',
    turnUnit: 'weeks',
    startDate: todayIn(zone),
    handoffTime: '09:00',
    restrictions: [],
    timeZone: '',
  };
}

function draftOf(l: Layer): LayerDraft {
  const t = l.turn;
  const [count, unit]: [number, Unit] =
    t.unit === 'duration'
      ? t.seconds % 86400 === 0
        ? [t.seconds / 86400, 'days']
        : [Math.max(1, Math.round(t.seconds / 3600)), 'hours']
      : [t.count, t.unit];
  return {
    key: l.id,
    id: l.id,
    name: l.name,
    participants: [...l.participants],
    turnCount: String(count),
    turnUnit: unit,
    startDate: l.startDate,
    handoffTime: l.handoffTime,
    restrictions: l.restrictions.map((r) => ({ ...r, days: [...r.days] })),
    timeZone: l.timeZone ?? '',
  };
}

function layerBody(d: LayerDraft) {
  return {
    name: d.name.trim(),
    participants: d.participants,
    turn: { unit: d.turnUnit, count: Math.max(1, Math.floor(Number(d.turnCount) || 0)) },
    startDate: d.startDate,
    handoffTime: d.handoffTime,
    restrictions: d.restrictions,
    timeZone: d.timeZone.trim() || null,
  };
}

export function NewSchedulePage() {
  return <ScheduleForm schedule={null} />;
}

export function EditSchedulePage({ params }: PageProps) {
  const id = params.id ?? '';
  const schedule = useApi<Schedule>(`/api/schedules/${encodeURIComponent(id)}`);
  return (
    <Loadable
      resource={schedule}
      what="schedule"
      errorHeader={<PageHeader title="Edit schedule" subtitle={<Link to="/oncall">← All schedules</Link>} />}
    >
      {(d) => <ScheduleForm schedule={d} />}
    </Loadable>
  );
}

function ScheduleForm({ schedule }: { schedule: Schedule | null }) {
  const me = useUser();
  const people = usePeople();
  const teams = useTeams();
  const [name, setName] = useState(schedule?.name ?? '');
  const [teamId, setTeamId] = useState(schedule?.teamId ?? '');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? (me.timezone || browserZone()));
  const [description, setDescription] = useState(schedule?.description ?? '');
  const [layers, setLayers] = useState<LayerDraft[]>(() =>
    schedule ? [...schedule.layers].sort((a, b) => a.position - b.position).map(draftOf) : [blankLayer(0, timezone)],
  );
  const [deleteError, setDeleteError] = useState<unknown>(null);

  const chosenTeam = teamId || (teams.teams.length === 1 ? teams.teams[0]!.id : '');
  // Participants are picked from the owning team's members (an administrator may show everyone).
  const picker = useTeamPicker(people, chosenTeam);
  const form = useSubmit(
    useCallback(async () => {
      if (!schedule) {
        if (!chosenTeam) throw new Error('Choose the team that owns this schedule.');
        const created = await api.post<Schedule>('/api/schedules', {
          teamId: chosenTeam,
          name: name.trim(),
          description,
          timezone: timezone.trim(),
          layers: layers.map(layerBody),
        });
        navigate(`/oncall/schedules/${encodeURIComponent(created.id)}`);
        return;
      }
      const base = `/api/schedules/${encodeURIComponent(schedule.id)}`;
      await api.patch<Schedule>(base, {
        name: name.trim(),
        description,
        timezone: timezone.trim(),
        teamId: chosenTeam,
      });
      const kept = new Set(layers.map((l) => l.id).filter(Boolean));
      for (const old of schedule.layers)
        if (!kept.has(old.id)) await api.del<Schedule>(`${base}/layers/${encodeURIComponent(old.id)}`);
      for (const l of layers) {
        if (l.id) await api.patch<Schedule>(`${base}/layers/${encodeURIComponent(l.id)}`, layerBody(l));
        else await api.post<Schedule>(`${base}/layers`, layerBody(l));
      }
      navigate(`/oncall/schedules/${encodeURIComponent(schedule.id)}`);
    }, [schedule, chosenTeam, name, description, timezone, layers]),
  );

  const remove = async () => {
    if (!schedule) return;
    setDeleteError(null);
    try {
      await api.del(`/api/schedules/${encodeURIComponent(schedule.id)}`);
      navigate('/oncall');
    } catch (e) {
      setDeleteError(e);
    }
  };

  const update = (key: string, patch: Partial<LayerDraft>) =>
    setLayers((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));

  return (
    <>
      <div className="crumbs">
        <Link to="/oncall">On-call</Link> <span aria-hidden="true">/</span>{' '}
        {schedule ? (
          <>
            <Link to={`/oncall/schedules/${encodeURIComponent(schedule.id)}`}>{schedule.name}</Link>{' '}
            <span aria-hidden="true">/</span> <span>Edit</span>
          </>
        ) : (
          <span>New schedule</span>
        )}
      </div>
      <PageHeader
        title={schedule ? `Edit ${schedule.name}` : 'New schedule'}
        subtitle="Layers rotate people in turns. Hand-off times are local times in the schedule's time zone, so they stay put across daylight saving changes."
      />
      <form onSubmit={form.onSubmit} noValidate aria-label={schedule ? 'Edit schedule' : 'New schedule'}>
        <ErrorBanner error={form.error} fields={['name', 'teamId', 'timezone', 'description']} />
        <Card title="Schedule">
          <div className="grid-2">
            <Field label="Name" htmlFor="schedule-name" error={form.fieldError('name')} hint="e.g. “Payments primary”.">
              <input id="schedule-name" value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Team" htmlFor="schedule-team" error={form.fieldError('teamId')}>
              {teams.error ? (
                <LoadError error={teams.error} />
              ) : (
                <select id="schedule-team" value={chosenTeam} onChange={(e) => setTeamId(e.target.value)}>
                  <option value="">{teams.loaded ? 'Choose a team…' : 'Loading teams…'}</option>
                  {teams.teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Time zone"
              htmlFor="schedule-timezone"
              error={form.fieldError('timezone')}
              hint={`Hand-offs and restrictions are read in this zone. ${zoneHint(timezone.trim())}`}
            >
              <TimeZoneInput id="schedule-timezone" value={timezone} onChange={setTimezone} />
            </Field>
            <Field label="Description" htmlFor="schedule-description" error={form.fieldError('description')}>
              <input id="schedule-description" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
          </div>
        </Card>

        {layers.map((l, i) => (
          <LayerEditor
            key={l.key}
            index={i}
            count={layers.length}
            layer={l}
            zone={timezone.trim()}
            people={people}
            picker={picker}
            fieldError={(f) => form.fieldError(`layers.${i}.${f}`)}
            onChange={(patch) => update(l.key, patch)}
            onRemove={() => setLayers((ls) => ls.filter((x) => x.key !== l.key))}
          />
        ))}
        <div className="form-actions">
          <button
            type="button"
            className="btn"
            onClick={() => setLayers((ls) => [...ls, blankLayer(ls.length, timezone.trim())])}
          >
            Add a layer
          </button>
          <span className="muted small">A later layer wins over earlier ones wherever it has someone on call.</span>
        </div>
        <hr className="rule" />
        <FormActions
          busy={form.busy}
          submit={schedule ? 'Save schedule' : 'Create schedule'}
          busyText="Saving…"
          remove={
            schedule
              ? { label: 'Delete schedule', confirmLabel: `Delete ${schedule.name}`, onConfirm: () => void remove() }
              : undefined
          }
        >
          <Link
            to={schedule ? `/oncall/schedules/${encodeURIComponent(schedule.id)}` : '/oncall'}
            className="btn btn-ghost"
          >
            Cancel
          </Link>
        </FormActions>
        <ErrorBanner error={deleteError} />
      </form>
    </>
  );
}

function LayerEditor({
  index,
  count,
  layer: l,
  zone,
  people,
  picker,
  fieldError,
  onChange,
  onRemove,
}: {
  index: number;
  count: number;
  layer: LayerDraft;
  zone: string;
  people: People;
  picker: TeamPicker;
  fieldError: (field: string) => string | null;
  onChange: (patch: Partial<LayerDraft>) => void;
  onRemove: () => void;
}) {
  const p = `layer-${index}`;
  const candidates = useMemo(
    () => picker.users.filter((u) => !l.participants.includes(u.id)),
    [picker.users, l.participants],
  );
  const move = (from: number, to: number) => {
    const next = [...l.participants];
    const [x] = next.splice(from, 1);
    next.splice(to, 0, x!);
    onChange({ participants: next });
  };
  const setRestriction = (i: number, patch: Partial<Restriction>) =>
    onChange({ restrictions: l.restrictions.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  // The zone this layer's hand-offs and restrictions are read in: its own, else the schedule's.
  const layerZone = l.timeZone.trim() || zone;

  return (
    <Card
      className="layer-card"
      title={
        <span className="card-title-row">
          <span>
            Layer {index + 1}
            {count > 1 && index === count - 1 ? ' (top: wins over the others)' : ''}
          </span>
          {count > 1 && (
            <button type="button" className="btn btn-small btn-ghost-danger" onClick={onRemove}>
              Remove layer
            </button>
          )}
        </span>
      }
    >
      <div className="grid-2">
        <Field label="Layer name" htmlFor={`${p}-name`} error={fieldError('name')}>
          <input id={`${p}-name`} value={l.name} onChange={(e) => onChange({ name: e.target.value })} />
        </Field>
        <div className="field">
          <label htmlFor={`${p}-turn`}>Turn length</label>
          <div className="inline-pair">
            <input
              id={`${p}-turn`}
              type="number"
              min={1}
              value={l.turnCount}
              onChange={(e) => onChange({ turnCount: e.target.value })}
            />
            <select
              aria-label="Turn unit"
              value={l.turnUnit}
              onChange={(e) => onChange({ turnUnit: e.target.value as Unit })}
            >
              <option value="hours">hours</option>
              <option value="days">days</option>
              <option value="weeks">weeks</option>
            </select>
          </div>
          {fieldError('turn') ? (
            <div className="field-error">Turn length {fieldError('turn')}</div>
          ) : (
            <div className="field-hint">Each person is on call for one turn, then hands off to the next.</div>
          )}
        </div>
        <Field
          label="First hand-off date"
          htmlFor={`${p}-start`}
          error={fieldError('startDate')}
          hint={`The first person's turn starts on this date, in ${layerZone || 'the schedule zone'}.`}
        >
          <input
            id={`${p}-start`}
            type="date"
            value={l.startDate}
            onChange={(e) => onChange({ startDate: e.target.value })}
          />
        </Field>
        <Field
          label="Hand-off time"
          htmlFor={`${p}-handoff`}
          error={fieldError('handoffTime')}
          hint={`Local time in ${layerZone || 'the schedule zone'}.`}
        >
          <input
            id={`${p}-handoff`}
            type="time"
            value={l.handoffTime}
            onChange={(e) => onChange({ handoffTime: e.target.value })}
          />
        </Field>
        <Field
          label="Layer time zone"
          htmlFor={`${p}-zone`}
          error={fieldError('timeZone')}
          hint={
            l.timeZone.trim()
              ? `This layer hands off and keeps its restrictions in its own zone. ${zoneHint(l.timeZone.trim())}`
              : `Empty: the schedule's zone${zone ? ` (${zone})` : ''}. Give a layer its own zone to follow the sun, e.g. Europe/London for EMEA and America/New_York for AMER.`
          }
        >
          <TimeZoneInput id={`${p}-zone`} value={l.timeZone} onChange={(z) => onChange({ timeZone: z })} />
        </Field>
      </div>

      <div className={fieldError('participants') ? 'field field-invalid' : 'field'}>
        <label htmlFor={`${p}-add`}>Participants, in turn order</label>
        {l.participants.length === 0 ? (
          <p className="muted small">Nobody yet. Add people below; they take turns in this order.</p>
        ) : (
          <ol className="participants" aria-label={`Participants of layer ${index + 1}`}>
            {l.participants.map((id, i) => (
              <li key={id}>
                <span className="participant-name">
                  {i + 1}. {people.name(id)}
                </span>
                <span className="row-actions">
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={`Move ${people.name(id)} up`}
                    disabled={i === 0}
                    onClick={() => move(i, i - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={`Move ${people.name(id)} down`}
                    disabled={i === l.participants.length - 1}
                    onClick={() => move(i, i + 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost-danger"
                    aria-label={`Remove ${people.name(id)}`}
                    onClick={() => onChange({ participants: l.participants.filter((x) => x !== id) })}
                  >
                    Remove
                  </button>
                </span>
              </li>
            ))}
          </ol>
        )}
        <select
          id={`${p}-add`}
          aria-label="Add a participant"
          value=""
          onChange={(e) => {
            if (e.target.value) onChange({ participants: [...l.participants, e.target.value] });
          }}
        >
          <option value="">{people.loaded ? 'Add a person…' : 'Loading people…'}</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {pickerLabel(picker, u)}
            </option>
          ))}
        </select>
        <ShowEveryoneToggle picker={picker} id={`${p}-everyone`} />
        {fieldError('participants') ? (
          <div className="field-error">Participants {fieldError('participants')}</div>
        ) : l.participants.length > 0 && l.participants.length < 6 ? (
          <div className="field-hint warn-text">
            {l.participants.length} {l.participants.length === 1 ? 'person' : 'people'}: at least 6 keep on-call
            sustainable (about one week in six each).
          </div>
        ) : null}
      </div>

      <div className="field">
        <div className="label-like">Restrictions</div>
        {l.restrictions.length === 0 ? (
          <p className="muted small">
            None: this layer covers the whole day. Add one to limit it, e.g. weekdays 09:00–17:00 for a business-hours
            layer.
          </p>
        ) : (
          <ul className="restrictions">
            {l.restrictions.map((r, i) => (
              <li key={i}>
                <span className="day-toggles" role="group" aria-label={`Days of restriction ${i + 1}`}>
                  {DAYS.map((d: Day) => (
                    <label key={d} className={r.days.includes(d) ? 'day on' : 'day'}>
                      <input
                        type="checkbox"
                        checked={r.days.includes(d)}
                        onChange={(e) =>
                          setRestriction(i, {
                            days: e.target.checked
                              ? DAYS.filter((x) => x === d || r.days.includes(x))
                              : r.days.filter((x) => x !== d),
                          })
                        }
                      />
                      {DAY_NAMES[d]}
                    </label>
                  ))}
                </span>
                <input
                  type="time"
                  aria-label={`Restriction ${i + 1} from`}
                  value={r.start}
                  onChange={(e) => setRestriction(i, { start: e.target.value })}
                />
                <span className="muted">to</span>
                <input
                  type="time"
                  aria-label={`Restriction ${i + 1} until`}
                  value={r.end}
                  onChange={(e) => setRestriction(i, { end: e.target.value })}
                />
                <span className="muted small">
                  {describeDays(r.days)}
                  {r.end <= r.start ? ', past midnight' : ''}
                </span>
                <button
                  type="button"
                  className="btn btn-small btn-ghost-danger"
                  onClick={() => onChange({ restrictions: l.restrictions.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            onChange({
              restrictions: [
                ...l.restrictions,
                { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
              ],
            })
          }
        >
          Add a restriction
        </button>
        {fieldError('restrictions') && <div className="field-error">Restrictions {fieldError('restrictions')}</div>}
      </div>
    </Card>
  );
}
