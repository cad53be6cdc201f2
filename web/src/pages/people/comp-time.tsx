/**
 * Comp time (docs/people-health.md): the team's policy (team admins change it), each person's balance, time off taken
 * and the CSV ledger. Works at 390 px: the table becomes cards.
 */
import { useState } from 'react';
import {
  ErrorBanner,
  Field,
  FormActions,
  SelectField,
  TextField,
  useApiForm,
  type ApiForm,
} from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { FieldValues, Path } from 'react-hook-form';

interface Team {
  id: string;
  name: string;
  myRole: string | null;
}
interface Ledger {
  policy: { kind: string; factor: number; minimumHours: number; weekendHours: number };
  balances: { userId: string; name: string; accruedHours: number; takenHours: number; balanceHours: number }[];
}

export function CompTimePage() {
  const user = useUser();
  const teams = useApi<{ teams: Team[] } | Team[]>('/api/teams');
  const list: Team[] = Array.isArray(teams.data) ? teams.data : (teams.data?.teams ?? []);
  const [teamId, setTeamId] = useState('');
  const team = list.find((t) => t.id === teamId) ?? list.find((t) => t.myRole) ?? list[0];
  return (
    <>
      <PageHeader title="Comp time" subtitle="Time back for responding outside working hours." />
      {list.length > 1 && (
        <label>
          Team{' '}
          <select value={team?.id ?? ''} onChange={(e) => setTeamId(e.target.value)} data-testid="comp-time-team">
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {team && (
        <TeamCompTime
          key={team.id}
          team={team}
          userId={user.id}
          isAdmin={user.isAdmin || team.myRole === 'admin' || team.myRole === 'owner'}
        />
      )}
    </>
  );
}

function TeamCompTime({ team, userId, isAdmin }: { team: Team; userId: string; isAdmin: boolean }) {
  const ledger = useApi<Ledger>(`/api/teams/${team.id}/comp-time`);
  return (
    <Loadable resource={ledger} what="comp time">
      {(l) => (
        <>
          <PolicyCard teamId={team.id} policy={l.policy} canEdit={isAdmin} onSaved={ledger.reload} />
          <Card title="Balances">
            <DataTable
              label="Comp-time balances"
              testId="comp-time-balances"
              rows={l.balances}
              rowKey={(b) => b.userId}
              columns={[
                { id: 'name', header: 'Person', cell: (b) => b.name, sortValue: (b) => b.name },
                { id: 'accrued', header: 'Accrued (h)', cell: (b) => b.accruedHours, align: 'num' },
                { id: 'taken', header: 'Taken (h)', cell: (b) => b.takenHours, align: 'num' },
                {
                  id: 'balance',
                  header: 'Balance (h)',
                  cell: (b) => b.balanceHours,
                  sortValue: (b) => b.balanceHours,
                  align: 'num',
                },
              ]}
            />
            <p>
              <a href={`/api/teams/${team.id}/comp-time.csv`} download>
                Download the ledger (CSV)
              </a>
            </p>
          </Card>
          <TimeOffCard teamId={team.id} userId={userId} isAdmin={isAdmin} onSaved={ledger.reload} />
        </>
      )}
    </Loadable>
  );
}

/** A number input with a step (hours in halves, a factor in tenths), on the kit's Field and the form's register. */
function NumberField<T extends FieldValues>({
  form,
  name,
  id,
  label,
  step,
  min,
  max,
}: {
  form: ApiForm<T>;
  name: Path<T>;
  id: string;
  label: string;
  step: number;
  min: number;
  max?: number;
}) {
  const error = form.fieldError(name);
  return (
    <Field label={label} htmlFor={id} error={error}>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        step={step}
        min={min}
        max={max}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...form.register(name)}
      />
    </Field>
  );
}

const KINDS = [
  { value: 'none', text: 'None' },
  { value: 'hours_factor', text: 'Hours outside working hours × a factor' },
  { value: 'weekend_fixed', text: 'A fixed amount per on-call weekend' },
] as const;

interface PolicyValues {
  kind: string;
  factor: string;
  minimumHours: string;
  weekendHours: string;
}

function PolicyCard({
  teamId,
  policy,
  canEdit,
  onSaved,
}: {
  teamId: string;
  policy: Ledger['policy'];
  canEdit: boolean;
  onSaved: () => void;
}) {
  const form = useApiForm<PolicyValues>(
    {
      kind: policy.kind,
      factor: String(policy.factor),
      minimumHours: String(policy.minimumHours),
      weekendHours: String(policy.weekendHours),
    },
    async (v) => {
      await api.put(`/api/teams/${teamId}/comp-time-policy`, {
        kind: v.kind,
        factor: Number(v.factor),
        minimumHours: Number(v.minimumHours),
        weekendHours: Number(v.weekendHours),
      });
      onSaved();
    },
  );
  const kind = form.watch('kind');
  const describe =
    policy.kind === 'hours_factor'
      ? `${policy.factor} × the hours responding outside working hours; a page at least ${policy.minimumHours} h.`
      : policy.kind === 'weekend_fixed'
        ? `${policy.weekendHours} h for each weekend on call.`
        : 'No comp time accrues.';
  return (
    <Card title="Policy">
      <p data-testid="comp-time-policy">{describe}</p>
      {canEdit && (
        <form onSubmit={form.onSubmit}>
          <SelectField form={form} name="kind" id="ct-kind" label="Kind" options={KINDS} />
          {kind === 'hours_factor' && (
            <>
              <NumberField form={form} name="factor" id="ct-factor" label="Factor" step={0.1} min={0} max={10} />
              <NumberField
                form={form}
                name="minimumHours"
                id="ct-min"
                label="Minimum per page (hours)"
                step={0.25}
                min={0}
                max={24}
              />
            </>
          )}
          {kind === 'weekend_fixed' && (
            <NumberField
              form={form}
              name="weekendHours"
              id="ct-weekend"
              label="Hours per on-call weekend"
              step={0.5}
              min={0}
              max={72}
            />
          )}
          <ErrorBanner error={form.error} fields={['kind', 'factor', 'minimumHours', 'weekendHours']} />
          <FormActions busy={form.busy} submit="Save policy" busyText="Saving…" />
        </form>
      )}
    </Card>
  );
}

interface Member {
  userId: string;
  name: string;
  email: string;
}

interface TimeOffValues {
  userId: string;
  hours: string;
  takenOn: string;
  note: string;
}

function TimeOffCard({
  teamId,
  userId,
  isAdmin,
  onSaved,
}: {
  teamId: string;
  userId: string;
  isAdmin: boolean;
  onSaved: () => void;
}) {
  // A team admin records time off for anyone in the team; everyone else for themself.
  const team = useApi<{ members?: Member[] }>(isAdmin ? `/api/teams/${teamId}` : null);
  const members = [...(team.data?.members ?? [])].sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
  const form = useApiForm<TimeOffValues>(
    { userId, hours: '', takenOn: new Date().toISOString().slice(0, 10), note: '' },
    async (v) => {
      const note = v.note.trim();
      await api.post(`/api/teams/${teamId}/comp-time`, {
        userId: v.userId,
        hours: Number(v.hours),
        takenOn: v.takenOn,
        ...(note ? { note } : {}),
      });
      form.reset({ ...v, hours: '', note: '' });
      onSaved();
    },
  );
  const hours = form.watch('hours');
  const people = [
    ...(members.some((m) => m.userId === userId) ? [] : [{ value: userId, text: 'Me' }]),
    ...members.map((m) => ({ value: m.userId, text: m.name || m.email })),
  ];
  const dayError = form.fieldError('takenOn');
  return (
    <Card title="Take time off">
      <form onSubmit={form.onSubmit}>
        {isAdmin && members.length > 0 && (
          <SelectField form={form} name="userId" id="to-person" label="Person" options={people} />
        )}
        <NumberField form={form} name="hours" id="to-hours" label="Hours" step={0.5} min={0} />
        <Field label="Day" htmlFor="to-day" error={dayError}>
          <input
            id="to-day"
            type="date"
            aria-invalid={dayError ? true : undefined}
            aria-describedby={dayError ? 'to-day-error' : undefined}
            {...form.register('takenOn')}
          />
        </Field>
        <TextField form={form} name="note" id="to-note" label="Note" maxLength={500} />
        <ErrorBanner error={form.error} fields={['userId', 'hours', 'takenOn', 'note']} />
        <FormActions busy={form.busy} submit="Record time off" busyText="Recording…" disabled={!(Number(hours) > 0)} />
      </form>
    </Card>
  );
}
