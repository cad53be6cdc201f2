/**
 * A team's people-health thresholds and working hours (PUT /api/teams/:team/people-settings; team admins change them,
 * everyone else reads them). Percentages are typed as percentages and sent as shares.
 */
import { Field, FormActions, TextField, useApiForm, ErrorBanner } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { pct, type PeopleSettings } from './common.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface Values {
  heroMedianFactor: string;
  heroSharePct: string;
  heroMinCount: string;
  knowledgeSharePct: string;
  knowledgeMinIncidents: string;
  loadSharePct: string;
  recoveryHours: string;
  workStart: string;
  workEnd: string;
  sleepStart: string;
  sleepEnd: string;
  d1: boolean;
  d2: boolean;
  d3: boolean;
  d4: boolean;
  d5: boolean;
  d6: boolean;
  d7: boolean;
}

const toValues = (s: PeopleSettings): Values => ({
  heroMedianFactor: String(s.heroMedianFactor),
  heroSharePct: String(Math.round(s.heroShareOfTeam * 1000) / 10),
  heroMinCount: String(s.heroMinCount),
  knowledgeSharePct: String(Math.round(s.knowledgeShare * 1000) / 10),
  knowledgeMinIncidents: String(s.knowledgeMinIncidents),
  loadSharePct: String(Math.round(s.loadShare * 1000) / 10),
  recoveryHours: String(s.recoveryHours),
  workStart: s.workStart,
  workEnd: s.workEnd,
  sleepStart: s.sleepStart,
  sleepEnd: s.sleepEnd,
  d1: s.workDays.includes(1),
  d2: s.workDays.includes(2),
  d3: s.workDays.includes(3),
  d4: s.workDays.includes(4),
  d5: s.workDays.includes(5),
  d6: s.workDays.includes(6),
  d7: s.workDays.includes(7),
});

function SettingsForm({ team, settings, onSaved }: { team: Team; settings: PeopleSettings; onSaved: () => void }) {
  const form = useApiForm<Values>(toValues(settings), async (v) => {
    const n = (s: string) => Number(s);
    const saved = await api.put<PeopleSettings>(`/api/teams/${encodeURIComponent(team.id)}/people-settings`, {
      heroMedianFactor: n(v.heroMedianFactor),
      heroShareOfTeam: n(v.heroSharePct) / 100,
      heroMinCount: n(v.heroMinCount),
      knowledgeShare: n(v.knowledgeSharePct) / 100,
      knowledgeMinIncidents: n(v.knowledgeMinIncidents),
      loadShare: n(v.loadSharePct) / 100,
      recoveryHours: n(v.recoveryHours),
      workDays: [1, 2, 3, 4, 5, 6, 7].filter((d) => v[`d${d}` as keyof Values]),
      workStart: v.workStart,
      workEnd: v.workEnd,
      sleepStart: v.sleepStart,
      sleepEnd: v.sleepEnd,
    });
    form.reset(toValues(saved));
    onSaved();
  });
  // Whole numbers as number inputs; decimals (33.3%, 1.5×) as text, which a number input's step would refuse.
  const num = { type: 'number' as const, min: 1 };
  const decimal = (min: number, max: number, what: string) => ({
    rules: {
      validate: (v: string | boolean) => {
        const n = Number(v);
        return (
          (String(v).trim() !== '' && Number.isFinite(n) && n >= min && n <= max) || `${what} from ${min} to ${max}`
        );
      },
    },
  });
  return (
    <form onSubmit={form.onSubmit} aria-label="People-health thresholds" className="people-settings">
      <fieldset className="grid-2 align-start">
        <legend>Heroes</legend>
        <TextField
          form={form}
          name="heroMedianFactor"
          id="ps-hero-median"
          label="Times the team median"
          {...decimal(1, 20, 'A factor')}
        />
        <TextField
          form={form}
          name="heroSharePct"
          id="ps-hero-share"
          label="Share of the team's total (%)"
          {...decimal(5, 100, 'A percentage')}
        />
        <TextField
          form={form}
          name="heroMinCount"
          id="ps-hero-min"
          label="At least"
          hint="pages, incidents, roles or hours, so one page in a quiet team is no hero"
          {...num}
        />
      </fieldset>
      <fieldset className="grid-2 align-start">
        <legend>Knowledge</legend>
        <TextField
          form={form}
          name="knowledgeSharePct"
          id="ps-knowledge-share"
          label="One person handled (%)"
          {...decimal(50, 100, 'A percentage')}
        />
        <TextField
          form={form}
          name="knowledgeMinIncidents"
          id="ps-knowledge-min"
          label="Of at least (incidents)"
          {...num}
        />
      </fieldset>
      <fieldset className="grid-2 align-start">
        <legend>Load and recovery</legend>
        <TextField
          form={form}
          name="loadSharePct"
          id="ps-load-share"
          label="On call above (% of a month)"
          hint="25% is one week in four"
          {...decimal(5, 100, 'A percentage')}
        />
        <TextField
          form={form}
          name="recoveryHours"
          id="ps-recovery"
          label="Recovery after a night page (hours)"
          {...decimal(0, 12, 'Hours')}
        />
        <Field label="Working days" htmlFor="ps-d1">
          <span className="checks">
            {DAYS.map((d, i) => (
              <label key={d} className="check" htmlFor={`ps-d${i + 1}`}>
                <input id={`ps-d${i + 1}`} type="checkbox" {...form.register(`d${i + 1}` as keyof Values)} /> {d}
              </label>
            ))}
          </span>
        </Field>
        <TextField form={form} name="workStart" id="ps-work-start" label="Working hours start (HH:MM)" />
        <TextField form={form} name="workEnd" id="ps-work-end" label="Working hours end" />
        <TextField form={form} name="sleepStart" id="ps-sleep-start" label="Sleep hours start" />
        <TextField form={form} name="sleepEnd" id="ps-sleep-end" label="Sleep hours end" />
      </fieldset>
      <ErrorBanner error={form.error} />
      <FormActions busy={form.busy} submit="Save thresholds" busyText="Saving…" />
    </form>
  );
}

/** The thresholds: a form for the team's admins, a sentence for everyone else. */
export function ThresholdsCard({ team, onSaved }: { team: Team; onSaved?: () => void }) {
  const me = useUser();
  const settings = useApi<PeopleSettings>(`/api/teams/${encodeURIComponent(team.id)}/people-settings`);
  const canEdit = me.isAdmin || team.myRole === 'owner' || team.myRole === 'admin';
  return (
    <Card title="Thresholds">
      <Loadable resource={settings} what="the team's thresholds">
        {(s) => (
          <>
            <p className="muted small" data-testid="thresholds-text">
              A hero carries more than {s.heroMedianFactor}× the team median or more than {pct(s.heroShareOfTeam)} of
              the team&apos;s load (from {s.heroMinCount}); knowledge is held by one person at {pct(s.knowledgeShare)}{' '}
              of {s.knowledgeMinIncidents} incidents or more; a month above {pct(s.loadShare)} on call is too much;
              recovery lasts {s.recoveryHours} hours from {s.workStart}, the start of working hours.{' '}
              {s.saved ? 'This team set its own thresholds.' : 'These are the defaults.'} Working and sleep hours are
              read in each person&apos;s own time zone.
              {!canEdit && " The team's admins can change them."}
            </p>
            {canEdit && (
              <details>
                <summary>Change the thresholds</summary>
                <SettingsForm
                  key={JSON.stringify(s)}
                  team={team}
                  settings={s}
                  onSaved={() => {
                    settings.reload();
                    onSaved?.();
                  }}
                />
              </details>
            )}
          </>
        )}
      </Loadable>
    </Card>
  );
}
