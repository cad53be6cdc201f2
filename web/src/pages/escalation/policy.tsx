/**
 * /escalation/new and /escalation/:id: ordered levels (users and schedules, a delay, an optional condition), a repeat
 * count, and working hours in an explicit time zone; every level shows the sentence of what it will do.
 */
import { useCallback, useState } from 'react';
import { ErrorBanner, Field, FormActions, useSubmit } from '../../components/forms.js';
import { TimeZoneInput, zoneHint } from '../../components/timezone.js';
import { Loadable } from '../../components/state.js';
import { Card, LoadError, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link, navigate } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { pickerLabel, userLabel, usePeople, useTeamPicker, useTeams } from '../oncall/people.js';
import { ShowEveryoneToggle } from '../oncall/team-picker.js';
import type { Schedule } from '../oncall/types.js';
import { browserZone } from '../oncall/zone.js';
import type { PageProps } from '../types.js';
import { previewSentences, targetText, type Names } from './preview.js';
import { ISO_DAY_NAMES, ISO_DAYS, type Condition, type Level, type Policy, type Target } from './types.js';

type Kind = Condition['kind'];

interface LevelDraft {
  key: string;
  delay: string;
  targets: Target[];
  kind: Kind;
  days: number[];
}

let seq = 0;
const blank = (): LevelDraft => ({
  key: `lvl-${++seq}`,
  delay: '5',
  targets: [],
  kind: 'always',
  days: [1, 2, 3, 4, 5],
});

function toLevel(d: LevelDraft): Level {
  const condition: Condition = d.kind === 'days_of_week' ? { kind: d.kind, days: d.days } : { kind: d.kind };
  return { delayMinutes: Math.floor(Number(d.delay)), targets: d.targets, condition };
}

function draftOf(l: Level): LevelDraft {
  return {
    key: `lvl-${++seq}`,
    delay: String(l.delayMinutes),
    targets: [...l.targets],
    kind: l.condition?.kind ?? 'always',
    days: l.condition?.kind === 'days_of_week' ? [...l.condition.days] : [1, 2, 3, 4, 5],
  };
}

export function NewPolicyPage() {
  return <PolicyForm policy={null} />;
}

export function PolicyPage({ params }: PageProps) {
  const policy = useApi<Policy>(`/api/escalation-policies/${encodeURIComponent(params.id ?? '')}`);
  return (
    <Loadable
      resource={policy}
      what="escalation policy"
      errorHeader={<PageHeader title="Escalation policy" subtitle={<Link to="/escalation">← All policies</Link>} />}
    >
      {(d) => <PolicyForm key={d.updatedAt} policy={d} />}
    </Loadable>
  );
}

function PolicyForm({ policy }: { policy: Policy | null }) {
  const me = useUser();
  const people = usePeople();
  const teams = useTeams();
  const schedules = useApi<{ schedules: Schedule[] }>('/api/schedules');
  const [name, setName] = useState(policy?.name ?? '');
  const [teamId, setTeamId] = useState(policy?.teamId ?? '');
  const [description, setDescription] = useState(policy?.description ?? '');
  const [repeat, setRepeat] = useState(String(policy?.repeat ?? 0));
  const [ackTimeout, setAckTimeout] = useState(policy?.ackTimeoutMinutes ? String(policy.ackTimeoutMinutes) : '');
  const [levels, setLevels] = useState<LevelDraft[]>(() => (policy ? policy.levels.map(draftOf) : [blank()]));
  const [tz, setTz] = useState(policy?.workingHours.timezone ?? (me.timezone || browserZone()));
  const [whDays, setWhDays] = useState<number[]>(policy?.workingHours.days ?? [1, 2, 3, 4, 5]);
  const [whStart, setWhStart] = useState(policy?.workingHours.start ?? '09:00');
  const [whEnd, setWhEnd] = useState(policy?.workingHours.end ?? '17:00');
  const [saved, setSaved] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);

  const allSchedules = schedules.data?.schedules ?? [];
  const names: Names = {
    user: people.name,
    schedule: (id) => allSchedules.find((s) => s.id === id)?.name ?? id,
  };
  const workingHours = { timezone: tz.trim(), days: whDays, start: whStart, end: whEnd };
  const chosenTeam = teamId || (teams.teams.length === 1 ? teams.teams[0]!.id : '');
  // People to page are picked from the policy's team (an administrator may show everyone).
  const picker = useTeamPicker(people, chosenTeam);
  const repeatN = Math.max(0, Math.floor(Number(repeat) || 0));
  const sentences = previewSentences(levels.map(toLevel), repeatN, workingHours, names);

  const form = useSubmit(
    useCallback(async () => {
      setSaved(false);
      const body = {
        name: name.trim(),
        description,
        repeat: repeatN,
        ackTimeoutMinutes: ackTimeout.trim() ? Math.floor(Number(ackTimeout)) : null,
        levels: levels.map(toLevel),
        workingHours: { timezone: tz.trim(), days: whDays, start: whStart, end: whEnd },
      };
      if (!policy) {
        if (!chosenTeam) throw new Error('Choose the team that owns this policy.');
        const created = await api.post<Policy>('/api/escalation-policies', { ...body, teamId: chosenTeam });
        navigate(`/escalation/${encodeURIComponent(created.id)}`);
      } else {
        await api.patch<Policy>(`/api/escalation-policies/${encodeURIComponent(policy.id)}`, body);
        setSaved(true);
      }
    }, [policy, chosenTeam, name, description, repeatN, ackTimeout, levels, tz, whDays, whStart, whEnd]),
  );

  const remove = async () => {
    if (!policy) return;
    setDeleteError(null);
    try {
      await api.del(`/api/escalation-policies/${encodeURIComponent(policy.id)}`);
      navigate('/escalation');
    } catch (e) {
      setDeleteError(e);
    }
  };
  const update = (key: string, patch: Partial<LevelDraft>) => {
    setSaved(false);
    setLevels((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  };
  const moveLevel = (i: number, j: number) =>
    setLevels((ls) => {
      const next = [...ls];
      const [x] = next.splice(i, 1);
      next.splice(j, 0, x!);
      return next;
    });

  let at = 0;
  return (
    <>
      <div className="crumbs">
        <Link to="/escalation">Escalation policies</Link> <span aria-hidden="true">/</span>{' '}
        <span>{policy ? policy.name : 'New policy'}</span>
      </div>
      <PageHeader
        title={policy ? policy.name : 'New escalation policy'}
        subtitle={
          policy
            ? `${teams.name(policy.teamId)} · pages already in flight keep the version they started with.`
            : 'Levels page in order until someone acknowledges. A level whose condition does not hold, or that finds nobody on call, is skipped at once.'
        }
      />
      <form
        onSubmit={form.onSubmit}
        noValidate
        aria-label={policy ? 'Edit escalation policy' : 'New escalation policy'}
      >
        <ErrorBanner
          error={form.error}
          fields={[
            'name',
            'teamId',
            'description',
            'repeat',
            'ackTimeoutMinutes',
            'workingHours.timezone',
            'workingHours.start',
            'workingHours.end',
            'workingHours.days',
            ...levels.flatMap((_, i) => [
              `levels.${i}.delayMinutes`,
              `levels.${i}.targets`,
              `levels.${i}.condition.days`,
            ]),
          ]}
        />
        <Card title="Policy">
          <div className="grid-2">
            <Field label="Name" htmlFor="policy-name" error={form.fieldError('name')} hint="e.g. “Payments critical”.">
              <input id="policy-name" value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Team" htmlFor="policy-team" error={form.fieldError('teamId')}>
              <select
                id="policy-team"
                value={chosenTeam}
                disabled={!!policy}
                onChange={(e) => setTeamId(e.target.value)}
              >
                <option value="">{teams.loaded ? 'Choose a team…' : 'Loading teams…'}</option>
                {teams.teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Description" htmlFor="policy-description" error={form.fieldError('description')}>
              <input id="policy-description" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
            <Field
              label="Repeat"
              htmlFor="policy-repeat"
              error={form.fieldError('repeat')}
              hint="Extra passes through all levels when nobody acknowledges, 0 to 9."
            >
              <input
                id="policy-repeat"
                type="number"
                min={0}
                max={9}
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
              />
            </Field>
            <Field
              label="Acknowledgement timeout (minutes)"
              htmlFor="policy-ack-timeout"
              error={form.fieldError('ackTimeoutMinutes')}
              hint="Page again from the first level when an acknowledged alert is not resolved in time. Empty: never."
            >
              <input
                id="policy-ack-timeout"
                type="number"
                min={5}
                max={10080}
                value={ackTimeout}
                onChange={(e) => setAckTimeout(e.target.value)}
              />
            </Field>
          </div>
        </Card>

        <Card title="Levels">
          {schedules.error ? <LoadError error={schedules.error} retry={schedules.reload} /> : null}
          <ol className="levels">
            {levels.map((l, i) => {
              const startsAt = at;
              at += Math.max(0, Math.floor(Number(l.delay) || 0));
              return (
                <li key={l.key} className="level" aria-label={`Level ${i + 1}`}>
                  <div className="level-head">
                    <span className="strong">
                      Level {i + 1} <span className="muted small">· at +{startsAt} min</span>
                    </span>
                    <span className="row-actions">
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        aria-label={`Move level ${i + 1} up`}
                        disabled={i === 0}
                        onClick={() => moveLevel(i, i - 1)}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        aria-label={`Move level ${i + 1} down`}
                        disabled={i === levels.length - 1}
                        onClick={() => moveLevel(i, i + 1)}
                      >
                        ↓
                      </button>
                      {levels.length > 1 && (
                        <button
                          type="button"
                          className="btn btn-small btn-ghost-danger"
                          onClick={() => setLevels((ls) => ls.filter((x) => x.key !== l.key))}
                        >
                          Remove level
                        </button>
                      )}
                    </span>
                  </div>
                  <div className={form.fieldError(`levels.${i}.targets`) ? 'field field-invalid' : 'field'}>
                    <label htmlFor={`level-${i}-target`}>Page</label>
                    {l.targets.length > 0 && (
                      <div className="target-chips">
                        {l.targets.map((t) => (
                          <span key={`${t.type}:${t.id}`} className="target-chip">
                            <span className="muted small">{t.type === 'schedule' ? 'Schedule' : 'Person'}</span>
                            {names[t.type](t.id)}
                            <button
                              type="button"
                              aria-label={`Remove ${targetText(t, names)}`}
                              onClick={() =>
                                update(l.key, {
                                  targets: l.targets.filter((x) => !(x.type === t.type && x.id === t.id)),
                                })
                              }
                            >
                              ×
                            </button>
                          </span>
                        ))}
                      </div>
                    )}
                    <select
                      id={`level-${i}-target`}
                      aria-label={`Add a target to level ${i + 1}`}
                      value=""
                      onChange={(e) => {
                        const [type, id] = e.target.value.split(':') as ['user' | 'schedule', string];
                        if (id && !l.targets.some((x) => x.type === type && x.id === id))
                          update(l.key, { targets: [...l.targets, { type, id }] });
                      }}
                    >
                      <option value="">Add a schedule or a person…</option>
                      <optgroup label="Schedules (whoever is on call)">
                        {allSchedules.map((s) => (
                          <option key={s.id} value={`schedule:${s.id}`}>
                            {s.name}
                          </option>
                        ))}
                      </optgroup>
                      <optgroup label={`People in ${picker.teamName}`}>
                        {picker.users
                          .filter((u) => picker.isMember(u.id))
                          .map((u) => (
                            <option key={u.id} value={`user:${u.id}`}>
                              {pickerLabel(picker, u)}
                            </option>
                          ))}
                      </optgroup>
                      {picker.users.some((u) => !picker.isMember(u.id)) && (
                        <optgroup label={chosenTeam ? `Not in ${picker.teamName}` : 'People'}>
                          {picker.users
                            .filter((u) => !picker.isMember(u.id))
                            .map((u) => (
                              <option key={u.id} value={`user:${u.id}`}>
                                {userLabel(u)}
                              </option>
                            ))}
                        </optgroup>
                      )}
                    </select>
                    <ShowEveryoneToggle picker={picker} id={`level-${i}-everyone`} />
                    {form.fieldError(`levels.${i}.targets`) && (
                      <div className="field-error">Targets {form.fieldError(`levels.${i}.targets`)}</div>
                    )}
                  </div>
                  <div className="grid-2">
                    <Field
                      label={
                        i === levels.length - 1
                          ? 'Wait before repeating or stopping (minutes)'
                          : 'Wait before the next level (minutes)'
                      }
                      htmlFor={`level-${i}-delay`}
                      error={form.fieldError(`levels.${i}.delayMinutes`)}
                    >
                      <input
                        id={`level-${i}-delay`}
                        type="number"
                        min={1}
                        max={1440}
                        value={l.delay}
                        onChange={(e) => update(l.key, { delay: e.target.value })}
                      />
                    </Field>
                    <Field
                      label="When"
                      htmlFor={`level-${i}-condition`}
                      error={form.fieldError(`levels.${i}.condition.days`)}
                    >
                      <select
                        id={`level-${i}-condition`}
                        value={l.kind}
                        onChange={(e) => update(l.key, { kind: e.target.value as Kind })}
                      >
                        <option value="always">Always</option>
                        <option value="working_hours">During working hours</option>
                        <option value="outside_working_hours">Outside working hours</option>
                        <option value="days_of_week">On certain days</option>
                      </select>
                    </Field>
                  </div>
                  {l.kind === 'days_of_week' && (
                    <DayToggles
                      label={`Days for level ${i + 1} (${tz})`}
                      days={l.days}
                      onChange={(days) => update(l.key, { days })}
                    />
                  )}
                  <div className="preview" data-testid={`level-${i}-preview`}>
                    {sentences[i]}
                  </div>
                </li>
              );
            })}
          </ol>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setLevels((ls) => [...ls, blank()])}>
              Add a level
            </button>
            <span className="muted small">{sentences[sentences.length - 1]}</span>
          </div>
        </Card>

        <Card title="Working hours">
          <p className="muted small">
            Used by level conditions, and low-urgency alerts wait for them. Always in an explicit time zone, never the
            server&apos;s.
          </p>
          <div className="grid-2">
            <Field
              label="Working hours time zone"
              htmlFor="policy-timezone"
              error={form.fieldError('workingHours.timezone')}
              hint={zoneHint(tz.trim())}
            >
              <TimeZoneInput id="policy-timezone" value={tz} onChange={setTz} />
            </Field>
            <div className="field">
              <div className="label-like">Days</div>
              <DayToggles label="Working days" days={whDays} onChange={setWhDays} />
              {form.fieldError('workingHours.days') && (
                <div className="field-error">Days {form.fieldError('workingHours.days')}</div>
              )}
            </div>
            <Field label="Start" htmlFor="policy-wh-start" error={form.fieldError('workingHours.start')}>
              <input id="policy-wh-start" type="time" value={whStart} onChange={(e) => setWhStart(e.target.value)} />
            </Field>
            <Field label="End" htmlFor="policy-wh-end" error={form.fieldError('workingHours.end')}>
              <input id="policy-wh-end" type="time" value={whEnd} onChange={(e) => setWhEnd(e.target.value)} />
            </Field>
          </div>
        </Card>

        <FormActions
          busy={form.busy}
          submit={policy ? 'Save policy' : 'Create policy'}
          busyText="Saving…"
          remove={
            policy
              ? { label: 'Delete policy', confirmLabel: `Delete ${policy.name}`, onConfirm: () => void remove() }
              : undefined
          }
        >
          <Link to="/escalation" className="btn btn-ghost">
            {policy ? 'Back to policies' : 'Cancel'}
          </Link>
          {saved && (
            <span className="saved" role="status">
              Saved.
            </span>
          )}
        </FormActions>
        <ErrorBanner error={deleteError} />
      </form>
    </>
  );
}

function DayToggles({ label, days, onChange }: { label: string; days: number[]; onChange: (d: number[]) => void }) {
  return (
    <span className="day-toggles" role="group" aria-label={label}>
      {ISO_DAYS.map((d) => (
        <label key={d} className={days.includes(d) ? 'day on' : 'day'}>
          <input
            type="checkbox"
            checked={days.includes(d)}
            onChange={(e) =>
              onChange(e.target.checked ? [...days, d].sort((a, b) => a - b) : days.filter((x) => x !== d))
            }
          />
          {ISO_DAY_NAMES[d]}
        </label>
      ))}
    </span>
  );
}
