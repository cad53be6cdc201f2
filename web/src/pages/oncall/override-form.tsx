/** Someone covers an interval: pick a person and local start/end times in the schedule's zone. */
import { useEffect, useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { api } from '../../lib/api.js';
import { pickerLabel, useTeamPicker, type People } from './people.js';
import { ShowEveryoneToggle } from './team-picker.js';
import type { Override } from './types.js';
import { formatDuration, fromLocalInput, HOUR, MINUTE, toLocalInput } from './zone.js';

export function OverrideForm({
  scheduleId,
  teamId,
  zone,
  people,
  picked,
  onCreated,
}: {
  scheduleId: string;
  /** The schedule's team: its members are offered first (src/pages/oncall/people.ts useTeamPicker). */
  teamId: string;
  zone: string;
  people: People;
  /** An interval chosen by dragging on the timeline. */
  picked: { start: number; end: number } | null;
  onCreated: () => void;
}) {
  const [done, setDone] = useState<string | null>(null);
  const form = useApiForm(
    {
      userId: '',
      start: toLocalInput(Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE, zone),
      end: toLocalInput(Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE + 8 * HOUR, zone),
      reason: '',
    },
    async (v) => {
      setDone(null);
      const a = fromLocalInput(v.start, zone);
      const b = fromLocalInput(v.end, zone);
      if (!v.userId) throw new Error('Pick who covers this time.');
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('Enter a start and an end.');
      await api.post<Override>(`/api/schedules/${encodeURIComponent(scheduleId)}/overrides`, {
        userId: v.userId,
        start: new Date(a).toISOString(),
        end: new Date(b).toISOString(),
        ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
      });
      setDone(`Override added for ${people.name(v.userId)}.`);
      form.setValue('reason', '');
      onCreated();
    },
  );
  const { setValue } = form;

  useEffect(() => {
    if (!picked) return;
    setValue('start', toLocalInput(picked.start, zone));
    setValue('end', toLocalInput(picked.end, zone));
    setDone(null);
    document.getElementById('override-user')?.focus();
  }, [picked, zone, setValue]);

  const a = fromLocalInput(form.watch('start'), zone);
  const b = fromLocalInput(form.watch('end'), zone);
  const picker = useTeamPicker(people, teamId);
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Add an override">
      <ErrorBanner error={form.error} fields={['userId', 'start', 'end', 'reason']} />
      <SelectField
        form={form}
        name="userId"
        id="override-user"
        label="Person"
        options={[
          { value: '', text: 'Who covers it…' },
          ...picker.users.map((u) => ({ value: u.id, text: pickerLabel(picker, u) })),
        ]}
      />
      <ShowEveryoneToggle picker={picker} id="override-everyone" />
      <div className="grid-2">
        <TextField form={form} name="start" id="override-start" label={`Start (${zone})`} type="datetime-local" />
        <TextField
          form={form}
          name="end"
          id="override-end"
          label={`End (${zone})`}
          type="datetime-local"
          hint={Number.isFinite(a) && Number.isFinite(b) && b > a ? formatDuration(b - a) : undefined}
        />
      </div>
      <TextField
        form={form}
        name="reason"
        id="override-reason"
        label="Reason"
        hint="Optional, e.g. “covering Sam's dentist appointment”."
      />
      <FormActions busy={form.busy} submit="Add override" busyText="Adding…">
        {done && (
          <span className="saved" role="status">
            {done}
          </span>
        )}
      </FormActions>
    </form>
  );
}
