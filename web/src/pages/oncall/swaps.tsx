/** Shift swaps: ask someone to cover part of your on-call time; they accept (it becomes an override) or decline. */
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { pickerLabel, useTeamPicker, type People } from './people.js';
import { ShowEveryoneToggle } from './team-picker.js';
import type { Schedule, Swap, SwapStatus, UserShifts } from './types.js';
import { formatRange, fromLocalInput, toLocalInput } from './zone.js';

const TONE: Record<SwapStatus, 'warn' | 'good' | 'bad' | 'neutral'> = {
  pending: 'warn',
  accepted: 'good',
  declined: 'bad',
  cancelled: 'neutral',
};

export function SwapsCard({
  schedule,
  people,
  onChanged,
}: {
  schedule: Schedule;
  people: People;
  onChanged: () => void;
}) {
  const swaps = useApi<{ swaps: Swap[] }>(`/api/swaps?schedule=${encodeURIComponent(schedule.id)}`);
  const [asking, setAsking] = useState(false);
  // A swap notification links here with ?swap=<id> (and &answer=accept|decline): that request is picked out.
  const { search } = useLocation();
  const answer = search.get('answer');
  const picked: { id: string; answer: 'accept' | 'decline' | null } | null = search.get('swap')
    ? {
        id: search.get('swap')!,
        answer: answer === 'accept' || answer === 'decline' ? answer : null,
      }
    : null;
  const first = (x: Swap) => Number(x.id === picked?.id);
  const list = [...(swaps.data?.swaps ?? [])].sort(
    (a, b) =>
      first(b) - first(a) ||
      Number(b.status === 'pending') - Number(a.status === 'pending') ||
      b.createdAt.localeCompare(a.createdAt),
  );
  return (
    <Card title="Shift swaps">
      <SwapList
        swaps={list}
        zone={schedule.timezone}
        people={people}
        error={swaps.error}
        loading={!swaps.data}
        reload={swaps.reload}
        showSchedule={false}
        picked={picked}
        onChanged={() => {
          swaps.reload();
          onChanged();
        }}
      />
      {asking ? (
        <AskSwap
          schedule={schedule}
          people={people}
          onDone={() => {
            setAsking(false);
            swaps.reload();
          }}
          onCancel={() => setAsking(false)}
        />
      ) : (
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => setAsking(true)}>
            Ask someone to cover a shift
          </button>
        </div>
      )}
    </Card>
  );
}

export function SwapList({
  swaps,
  zone,
  people,
  error,
  loading,
  reload,
  onChanged,
  showSchedule,
  scheduleName,
  picked,
}: {
  swaps: Swap[];
  /** A fixed zone, or null to use each swap's schedule zone via zoneOf. */
  zone: string | ((s: Swap) => string);
  people: People;
  error: unknown;
  loading: boolean;
  reload: () => void;
  onChanged: () => void;
  showSchedule: boolean;
  scheduleName?: (id: string) => string;
  /** The request a notification's link points at: shown first, and the answer it asks for offered as one button. */
  picked?: { id: string; answer: 'accept' | 'decline' | null } | null;
}) {
  const me = useUser();
  const pickedRef = useRef<HTMLLIElement>(null);
  const hasPicked = !!picked && swaps.some((s) => s.id === picked.id);
  useEffect(() => {
    if (hasPicked) pickedRef.current?.scrollIntoView({ block: 'center' });
  }, [hasPicked]);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const decide = async (id: string, action: 'accept' | 'decline' | 'cancel') => {
    setActionError(null);
    setBusy(id);
    try {
      await api.post<Swap>(`/api/swaps/${encodeURIComponent(id)}/${action}`);
      onChanged();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Loadable
      resource={{ data: loading ? null : swaps, error, reload }}
      what="swap requests"
      isEmpty={(d) => d.length === 0}
      empty="No swap requests."
    >
      {(d) => (
        <>
          <ErrorBanner error={actionError} />
          <ul className="plain-list" aria-label="Swap requests">
            {d.map((s) => {
              const z = typeof zone === 'string' ? zone : zone(s);
              const mineToAnswer = s.status === 'pending' && s.targetUserId === me.id;
              const mineToCancel = s.status === 'pending' && s.requesterId === me.id;
              const isPicked = picked?.id === s.id;
              const asked = isPicked && mineToAnswer ? picked.answer : null;
              return (
                <li
                  key={s.id}
                  ref={isPicked ? pickedRef : undefined}
                  className={isPicked ? 'swap-picked' : undefined}
                  data-swap-id={s.id}
                >
                  <div className="grow">
                    <div>
                      <span className="strong">{s.requesterId === me.id ? 'You' : people.name(s.requesterId)}</span>{' '}
                      asked{' '}
                      <span className="strong">{s.targetUserId === me.id ? 'you' : people.name(s.targetUserId)}</span>{' '}
                      to cover <Badge tone={TONE[s.status]}>{s.status}</Badge>
                    </div>
                    <div className="small">
                      {formatRange(s.start, s.end, z)}
                      {showSchedule && scheduleName ? ` · ${scheduleName(s.scheduleId)}` : ''}
                    </div>
                    {s.note && <div className="muted small">“{s.note}”</div>}
                    {isPicked && !mineToAnswer && s.status !== 'pending' && (
                      <div className="small" role="status">
                        This request was {s.status} already.
                      </div>
                    )}
                    {asked && (
                      <div className="small strong" role="status">
                        {asked === 'accept'
                          ? 'Accept this request? It becomes an override: you are on call then.'
                          : 'Decline this request? They stay on call.'}
                      </div>
                    )}
                  </div>
                  <span className="row-actions">
                    {mineToAnswer && (
                      <>
                        <button
                          type="button"
                          className="btn btn-small btn-primary"
                          disabled={busy === s.id}
                          autoFocus={asked === 'accept'}
                          onClick={() => void decide(s.id, 'accept')}
                        >
                          Accept
                        </button>
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={busy === s.id}
                          autoFocus={asked === 'decline'}
                          onClick={() => void decide(s.id, 'decline')}
                        >
                          Decline
                        </button>
                      </>
                    )}
                    {mineToCancel && (
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        disabled={busy === s.id}
                        onClick={() => void decide(s.id, 'cancel')}
                      >
                        Withdraw
                      </button>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </Loadable>
  );
}

/** Ask a colleague to cover time of mine; `initial` fills in the interval (My on-call's "Ask someone to cover"). */
export function AskSwap({
  schedule,
  people,
  onDone,
  onCancel,
  initial,
}: {
  schedule: Schedule;
  people: People;
  onDone: () => void;
  onCancel: () => void;
  initial?: { start: number; end: number };
}) {
  const me = useUser();
  const zone = schedule.timezone;
  const mine = useApi<UserShifts>('/api/users/me/shifts');
  const picker = useTeamPicker(people, schedule.teamId);
  const myShifts = (mine.data?.shifts ?? []).filter((s) => s.scheduleId === schedule.id);
  const start = initial ? toLocalInput(initial.start, zone) : '';
  const end = initial ? toLocalInput(initial.end, zone) : '';
  const form = useApiForm({ targetUserId: '', start, end, note: '' }, async (v) => {
    if (!v.targetUserId) throw new Error('Pick who you are asking.');
    const a = fromLocalInput(v.start, zone);
    const b = fromLocalInput(v.end, zone);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('Enter a start and an end.');
    await api.post<Swap>(`/api/schedules/${encodeURIComponent(schedule.id)}/swaps`, {
      targetUserId: v.targetUserId,
      start: new Date(a).toISOString(),
      end: new Date(b).toISOString(),
      ...(v.note.trim() ? { note: v.note.trim() } : {}),
    });
    onDone();
  });

  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Ask for a swap" className="subform">
      <ErrorBanner error={form.error} fields={['targetUserId', 'start', 'end', 'note']} />
      <p className="muted small">You can ask only for time you are on call in this schedule. Times are in {zone}.</p>
      {myShifts.length > 0 && (
        <div className="chips" aria-label="Your shifts">
          <span className="muted small">Your shifts:</span>
          {myShifts.slice(0, 6).map((s) => (
            <button
              key={s.start}
              type="button"
              className="btn btn-small"
              onClick={() => {
                form.setValue('start', toLocalInput(Math.max(Date.parse(s.start), Date.now()), zone));
                form.setValue('end', toLocalInput(Date.parse(s.end), zone));
              }}
            >
              {formatRange(s.start, s.end, zone)}
            </button>
          ))}
        </div>
      )}
      <div className="grid-2">
        <SelectField
          form={form}
          name="targetUserId"
          id="swap-target"
          label="Ask"
          options={[
            { value: '', text: 'Choose a person…' },
            ...picker.users.filter((u) => u.id !== me.id).map((u) => ({ value: u.id, text: pickerLabel(picker, u) })),
          ]}
        />
        <ShowEveryoneToggle picker={picker} id="swap-everyone" />
        <TextField form={form} name="note" id="swap-note" label="Note" />
        <TextField form={form} name="start" id="swap-start" label={`From (${zone})`} type="datetime-local" />
        <TextField form={form} name="end" id="swap-end" label={`Until (${zone})`} type="datetime-local" />
      </div>
      <FormActions busy={form.busy} submit="Send request" busyText="Asking…" onCancel={onCancel} />
    </form>
  );
}
