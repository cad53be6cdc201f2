/**
 * /gamedays/new: plan a game day from the scenario library. Picking a scenario fills in the title, hypothesis,
 * expected actions, injects and safety notes (all editable); the library is grouped by level with the seed's advice —
 * start with a tabletop, move to real failure injection as the team matures. `?scenario=<id>` picks one on arrival.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { CheckField, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { navigate, useLocation } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { Team } from '../../lib/types.js';
import type { PageProps } from '../types.js';
import type { Service } from '../alerts/types.js';
import { usePeople, useTeams } from '../oncall/people.js';
import { LevelBadge } from './parts.js';
import {
  ExpectedActionsField,
  InjectsField,
  fromScriptValues,
  toScriptValues,
  type ScriptValues,
} from './script-fields.js';
import { CATEGORY_TEXT, gamedayPage, LEVEL_TEXT, LEVELS, listOf, type GamedayDetail, type Scenario } from './types.js';

interface Values extends ScriptValues {
  teamId: string;
  title: string;
  mode: string;
  severity: string;
  scheduledAt: string;
  durationMinutes: string;
  recurrence: string;
  facilitatorUserId: string;
  muteChat: boolean;
  scenario: string;
  hypothesis: string;
  safetyNotes: string;
}

const blank = (teamId: string, me: string): Values => ({
  teamId,
  title: '',
  mode: 'tabletop',
  severity: 'P2',
  scheduledAt: '',
  durationMinutes: '60',
  recurrence: 'none',
  facilitatorUserId: me,
  muteChat: false,
  scenario: '',
  hypothesis: '',
  safetyNotes: '',
  expectedActions: [],
  injects: [],
});

export function NewGamedayPage() {
  return <PlanForm existing={null} />;
}

/** /gamedays/:id/edit: the same form for a game day not started yet (the script and schedule change only before). */
export function EditGamedayPage({ params }: PageProps) {
  const id = params.id ?? '';
  const res = useApi<GamedayDetail>(`/api/gamedays/${encodeURIComponent(id)}`);
  return (
    <Loadable resource={res} what="the game day">
      {(g) => <PlanForm existing={g} />}
    </Loadable>
  );
}

/** A local "YYYY-MM-DDTHH:MM" for a datetime-local input. */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The request body's fields from the form (the team and scenario aside). */
function bodyOf(v: Values, serviceIds: string[], participantIds: string[]) {
  const script = fromScriptValues(v);
  return {
    title: v.title.trim(),
    mode: v.mode,
    severity: v.severity,
    scheduledAt: v.scheduledAt ? new Date(v.scheduledAt).toISOString() : null,
    durationMinutes: Number(v.durationMinutes),
    recurrence: v.recurrence,
    facilitatorUserId: v.facilitatorUserId || null,
    muteChat: v.muteChat,
    scenario: v.scenario,
    hypothesis: v.hypothesis,
    safetyNotes: v.safetyNotes,
    serviceIds,
    participants: participantIds.map((userId) => ({ userId })),
    expectedActions: script.expectedActions,
    injects: script.injects,
  };
}

function PlanForm({ existing }: { existing: GamedayDetail | null }) {
  const me = useUser();
  const { search } = useLocation();
  const teams = useTeams();
  const people = usePeople();
  const scenarios = useApi<unknown>('/api/gameday-scenarios');
  const services = useApi<{ services: Service[] }>('/api/services');
  const [picked, setPicked] = useState<string | null>(existing ? null : search.get('scenario'));
  const [serviceIds, setServiceIds] = useState<string[]>(existing?.serviceIds ?? []);
  const [choosing, setChoosing] = useState(false);
  const [participantIds, setParticipantIds] = useState<string[]>(existing?.participants.map((p) => p.userId) ?? []);

  const mine = useMemo(
    () => teams.teams.filter((t) => me.isAdmin || (t.myRole && t.myRole !== 'viewer')),
    [teams.teams, me.isAdmin],
  );

  const initial: Values = existing
    ? {
        teamId: existing.teamId,
        title: existing.title,
        mode: existing.mode,
        severity: existing.severity,
        scheduledAt: localInput(existing.scheduledAt),
        durationMinutes: String(existing.durationMinutes),
        recurrence: existing.recurrence,
        facilitatorUserId: existing.facilitator?.id ?? '',
        muteChat: existing.muteChat,
        scenario: existing.scenario,
        hypothesis: existing.hypothesis,
        safetyNotes: existing.safetyNotes,
        ...toScriptValues(
          existing.expectedActions.map((a) => a.body),
          [...existing.injects].sort((a, b) => a.offsetSeconds - b.offsetSeconds || a.position - b.position),
        ),
      }
    : blank('', me.id);
  const form = useApiForm<Values>(initial, async (v) => {
    const fields = bodyOf(v, serviceIds, participantIds);
    if (existing) {
      // Only what changed (against the form as it opened), so the game day's timeline names the real changes.
      const before = bodyOf(
        initial,
        existing.serviceIds,
        existing.participants.map((p) => p.userId),
      );
      const patch: Record<string, unknown> = {};
      for (const k of Object.keys(fields) as (keyof typeof fields)[]) {
        const changed =
          k === 'serviceIds'
            ? [...serviceIds].sort().join() !== [...existing.serviceIds].sort().join()
            : k === 'participants'
              ? [...participantIds].sort().join() !==
                existing.participants
                  .map((p) => p.userId)
                  .sort()
                  .join()
              : JSON.stringify(fields[k]) !== JSON.stringify(before[k]);
        if (changed) patch[k] = fields[k];
      }
      if (Object.keys(patch).length) await api.patch(`/api/gamedays/${encodeURIComponent(existing.id)}`, patch);
      navigate(gamedayPage(existing.id));
      return;
    }
    const created = await api.post<GamedayDetail>('/api/gamedays', {
      teamId: v.teamId,
      scenarioId: picked && picked !== 'scratch' ? picked : null,
      ...fields,
    });
    navigate(gamedayPage(created.id));
  });

  // The first team the viewer can plan for, once teams load.
  const teamId = form.watch('teamId');
  useEffect(() => {
    if (!teamId && mine[0]) form.setValue('teamId', mine[0].id);
  }, [teamId, mine, form]);

  const all = listOf<Scenario>(scenarios.data, 'scenarios');
  const scenario = all.find((s) => s.id === picked) ?? null;
  // Fill the form from the scenario when one is picked (keeping the team and schedule already chosen).
  useEffect(() => {
    if (!scenario) return;
    const v = form.getValues();
    form.reset({
      ...v,
      title: scenario.name,
      mode: scenario.level === 'tabletop' ? 'tabletop' : 'live',
      scenario: scenario.summary,
      hypothesis: scenario.hypothesis,
      safetyNotes: scenario.safetyNotes,
      muteChat: scenario.category === 'communication',
      ...toScriptValues(scenario.expectedActions, scenario.injects),
    });
  }, [scenario?.id]);

  // A new team: its own services and people (a choice made for another team would be sent unseen).
  const shownTeam = useRef(existing?.teamId ?? '');
  useEffect(() => {
    if (teamId === shownTeam.current) return;
    shownTeam.current = teamId;
    setServiceIds([]);
    setParticipantIds([]);
  }, [teamId]);
  const team = useApi<Team>(teamId ? `/api/teams/${encodeURIComponent(teamId)}` : null);
  const members = team.data?.id === teamId ? (team.data.members ?? []) : [];

  const teamServices = (services.data?.services ?? []).filter((s) => !teamId || s.teamId === teamId);
  const showForm = existing !== null || picked !== null;

  return (
    <>
      <PageHeader
        title={existing ? `Edit “${existing.title}”` : 'Plan a game day'}
        subtitle={
          existing
            ? 'The script, schedule and people change until the drill starts.'
            : 'Pick a scenario from the library, adjust it to your systems, and schedule it.'
        }
      />
      {!existing && (
        <Card title="1. Scenario">
          <Loadable resource={scenarios} what="scenarios">
            {() =>
              picked && !choosing ? (
                <div className="gd-picked" data-testid="gd-picked">
                  <span>
                    <strong>{scenario?.name ?? 'A blank script'}</strong>
                    {scenario && (
                      <span className="muted small"> · {CATEGORY_TEXT[scenario.category] ?? scenario.category}</span>
                    )}
                    {scenario && <span className="gd-scenario-summary">{scenario.summary}</span>}
                  </span>
                  <button type="button" className="btn btn-small" onClick={() => setChoosing(true)}>
                    Change scenario
                  </button>
                </div>
              ) : (
                <ScenarioPicker
                  scenarios={all}
                  teamId={teamId}
                  picked={picked}
                  onPick={(id) => {
                    setPicked(id);
                    setChoosing(false);
                  }}
                />
              )
            }
          </Loadable>
        </Card>
      )}
      {!existing && teams.loaded && mine.length === 0 && (
        <div className="banner banner-warn">
          Planning a game day needs the responder role in a team. Ask a team admin to add you.
        </div>
      )}
      {showForm && (
        <Card title={existing ? undefined : '2. The game day'}>
          {scenario && (
            <div className="banner banner-info gd-advice" data-testid="gd-advice">
              <LevelBadge level={scenario.level} /> {scenario.advice}
            </div>
          )}
          <form className="form gd-form" onSubmit={form.onSubmit} noValidate>
            <ErrorBanner
              error={form.error}
              fields={['teamId', 'title', 'severity', 'scheduledAt', 'durationMinutes', 'recurrence']}
            />
            <div className="gd-form-grid">
              <SelectField
                form={form}
                name="teamId"
                id="gd-team"
                label="Team"
                disabled={!!existing}
                options={
                  existing
                    ? [{ value: existing.teamId, text: existing.teamName ?? teams.name(existing.teamId) }]
                    : mine.map((t) => ({ value: t.id, text: t.name }))
                }
              />
              <TextField
                form={form}
                name="title"
                id="gd-title"
                label="Title"
                maxLength={200}
                rules={{ required: 'is required' }}
              />
              <SelectField
                form={form}
                name="mode"
                id="gd-mode"
                label="Kind"
                hint="A tabletop pages nobody; a live drill pages the real on-call, labelled DRILL."
                options={[
                  { value: 'tabletop', text: 'Tabletop' },
                  { value: 'live', text: 'Live drill' },
                ]}
              />
              <SelectField
                form={form}
                name="severity"
                id="gd-severity"
                label="Drill severity"
                options={['P1', 'P2', 'P3', 'P4'].map((s) => ({ value: s, text: s }))}
              />
              <TextField
                form={form}
                name="scheduledAt"
                id="gd-when"
                type="datetime-local"
                label="When"
                hint="Leave empty to run it whenever you are ready."
              />
              <TextField
                form={form}
                name="durationMinutes"
                id="gd-duration"
                type="number"
                min={1}
                max={1440}
                label="Minutes"
              />
              <SelectField
                form={form}
                name="recurrence"
                id="gd-recurrence"
                label="Repeat"
                options={[
                  { value: 'none', text: 'Once' },
                  { value: 'monthly', text: 'Every month' },
                  { value: 'quarterly', text: 'Every quarter' },
                  { value: 'yearly', text: 'Every year' },
                ]}
              />
              <SelectField
                form={form}
                name="facilitatorUserId"
                id="gd-facilitator"
                label="Facilitator"
                options={[
                  { value: '', text: 'Nobody yet' },
                  ...people.users.map((u) => ({ value: u.id, text: u.name || u.email })),
                ]}
              />
            </div>
            <fieldset className="gd-services">
              <legend>Target services</legend>
              {teamServices.length === 0 ? (
                <p className="muted small">This team owns no services yet.</p>
              ) : (
                teamServices.map((s) => (
                  <label key={s.id} className="check" htmlFor={`gd-svc-${s.id}`}>
                    <input
                      id={`gd-svc-${s.id}`}
                      type="checkbox"
                      checked={serviceIds.includes(s.id)}
                      onChange={(e) =>
                        setServiceIds((ids) => (e.target.checked ? [...ids, s.id] : ids.filter((x) => x !== s.id)))
                      }
                    />{' '}
                    {s.name}
                  </label>
                ))
              )}
            </fieldset>
            <fieldset className="gd-services">
              <legend>Participants</legend>
              {members.length === 0 ? (
                <p className="muted small">Anyone can join the drill room; pick the people you expect.</p>
              ) : (
                members.map((m) => (
                  <label key={m.userId} className="check" htmlFor={`gd-who-${m.userId}`}>
                    <input
                      id={`gd-who-${m.userId}`}
                      type="checkbox"
                      checked={participantIds.includes(m.userId)}
                      onChange={(e) =>
                        setParticipantIds((ids) =>
                          e.target.checked ? [...ids, m.userId] : ids.filter((x) => x !== m.userId),
                        )
                      }
                    />{' '}
                    {m.name || m.email}
                  </label>
                ))
              )}
            </fieldset>
            <CheckField
              form={form}
              name="muteChat"
              id="gd-mute"
              label="Mute Slack for the drill (a communication-failure drill)"
            />
            <TextField form={form} name="scenario" id="gd-scenario" label="Scenario" rows={3} />
            <TextField
              form={form}
              name="hypothesis"
              id="gd-hypothesis"
              label="Hypothesis"
              rows={2}
              hint="What you expect: “if the primary database fails, on-call is paged within 5 minutes”."
            />
            <ExpectedActionsField form={form} idPrefix="gd" />
            <InjectsField form={form} idPrefix="gd" />
            <TextField form={form} name="safetyNotes" id="gd-safety" label="Safety notes" rows={2} />
            <FormActions
              busy={form.busy}
              submit={existing ? 'Save' : 'Plan the game day'}
              busyText={existing ? 'Saving…' : 'Planning…'}
              onCancel={() => navigate(existing ? gamedayPage(existing.id) : '/gamedays')}
            />
          </form>
        </Card>
      )}
    </>
  );
}

/** The library by level, each level with its advice; a team's own scenarios beside the built-ins. */
function ScenarioPicker({
  scenarios,
  teamId,
  picked,
  onPick,
}: {
  scenarios: Scenario[];
  teamId: string;
  picked: string | null;
  onPick: (id: string) => void;
}) {
  const visible = scenarios.filter((s) => !s.archivedAt && (s.isBuiltin || !teamId || s.teamId === teamId));
  return (
    <div className="gd-picker">
      {LEVELS.map((level) => {
        const xs = visible.filter((s) => s.level === level);
        if (!xs.length) return null;
        return (
          <section key={level} className="gd-level" aria-labelledby={`gd-level-${level}`}>
            <h3 id={`gd-level-${level}`} className="gd-level-title">
              {LEVEL_TEXT[level]}
            </h3>
            <p className="gd-level-advice muted">{xs[0]!.advice}</p>
            <ul className="gd-scenarios">
              {xs.map((s) => (
                <li key={s.id}>
                  <button
                    type="button"
                    className={picked === s.id ? 'gd-scenario picked' : 'gd-scenario'}
                    aria-pressed={picked === s.id}
                    onClick={() => onPick(s.id)}
                  >
                    <span className="gd-scenario-name">{s.name}</span>
                    <span className="muted small">
                      {CATEGORY_TEXT[s.category] ?? s.category}
                      {!s.isBuiltin && ' · your team'}
                    </span>
                    <span className="gd-scenario-summary">{s.summary}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      <button
        type="button"
        className={picked === 'scratch' ? 'btn btn-small active' : 'btn btn-small btn-ghost'}
        aria-pressed={picked === 'scratch'}
        onClick={() => onPick('scratch')}
      >
        Start from a blank script
      </button>
    </div>
  );
}
