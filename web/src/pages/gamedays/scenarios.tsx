/**
 * /gamedays/scenarios: the scenario library. Muster's built-ins (read-only) and each team's own, by level with the
 * seed's advice — start with a tabletop, move to real failure injection as the team matures. A team's responders add,
 * change and archive their own; any scenario plans a game day.
 */
import { useState } from 'react';
import { ConfirmButton, ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { SelectFilter } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { useTeams } from '../oncall/people.js';
import { GamedayTabs } from './parts.js';
import {
  ExpectedActionsField,
  InjectsField,
  fromScriptValues,
  toScriptValues,
  type ScriptValues,
} from './script-fields.js';
import { CATEGORY_TEXT, formatOffset, LEVEL_TEXT, LEVELS, listOf, type Scenario } from './types.js';

interface Values extends ScriptValues {
  teamId: string;
  name: string;
  category: string;
  level: string;
  summary: string;
  hypothesis: string;
  safetyNotes: string;
}

export function ScenariosPage() {
  const me = useUser();
  const teams = useTeams();
  const [teamId, setTeamId] = useState('');
  const res = useApi<unknown>(`/api/gameday-scenarios${teamId ? `?teamId=${encodeURIComponent(teamId)}` : ''}`);
  const [editing, setEditing] = useState<Scenario | 'new' | null>(null);
  const mine = teams.teams.filter((t) => me.isAdmin || (t.myRole && t.myRole !== 'viewer'));
  const canEdit = (s: Scenario) => !s.isBuiltin && (me.isAdmin || mine.some((t) => t.id === s.teamId));

  return (
    <>
      <PageHeader
        title="Game days"
        subtitle="Scenarios to practise: Muster's library and your teams' own."
        actions={
          mine.length > 0 && (
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              Add a scenario
            </button>
          )
        }
      />
      <GamedayTabs />
      <ol className="gd-ladder" aria-label="How to practise">
        <li>
          <strong>Start with a tabletop.</strong> The team responds to timed injects in a drill room; nothing changes
          and nobody is paged.
        </li>
        <li>
          <strong>Then a live drill.</strong> A drill alert pages the real on-call through the real schedules, labelled
          DRILL.
        </li>
        <li>
          <strong>Then real failure injection</strong>, as the team matures: a chaos tool breaks something on purpose,
          with halt conditions and a rollback.
        </li>
      </ol>
      {editing && (
        <ScenarioForm
          scenario={editing === 'new' ? null : editing}
          teams={mine.map((t) => ({ value: t.id, text: t.name }))}
          onDone={() => {
            setEditing(null);
            res.reload();
          }}
        />
      )}
      <div className="filter-bar" role="group" aria-label="Scenario filters">
        <SelectFilter
          id="gd-sc-team"
          label="Team"
          all="All teams' scenarios"
          value={teamId}
          options={teams.teams.map((t) => ({ value: t.id, text: `Built-ins and ${t.name}` }))}
          onChange={setTeamId}
        />
      </div>
      <Loadable resource={res} what="scenarios" isEmpty={(d) => listOf<Scenario>(d, 'scenarios').length === 0}>
        {(d) => {
          const all = listOf<Scenario>(d, 'scenarios');
          return LEVELS.map((level) => {
            const xs = all.filter((s) => s.level === level);
            if (!xs.length) return null;
            return (
              <Card key={level} title={LEVEL_TEXT[level]} className="gd-library-level">
                <p className="gd-level-advice">{xs[0]!.advice}</p>
                <ul className="gd-library">
                  {xs.map((s) => (
                    <li key={s.id} className="gd-library-item" data-scenario-id={s.id}>
                      <ScenarioItem
                        s={s}
                        teamName={teams.name(s.teamId ?? '')}
                        editable={canEdit(s)}
                        onEdit={() => setEditing(s)}
                        onArchived={res.reload}
                      />
                    </li>
                  ))}
                </ul>
              </Card>
            );
          });
        }}
      </Loadable>
    </>
  );
}

function ScenarioItem({
  s,
  teamName,
  editable,
  onEdit,
  onArchived,
}: {
  s: Scenario;
  teamName: string;
  editable: boolean;
  onEdit: () => void;
  onArchived: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const archive = async () => {
    setError(null);
    try {
      await api.del(`/api/gameday-scenarios/${encodeURIComponent(s.id)}`);
      onArchived();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <div className="gd-library-head">
        <div>
          <strong>{s.name}</strong>{' '}
          <span className="muted small">
            {CATEGORY_TEXT[s.category] ?? s.category} · {s.isBuiltin ? 'Muster' : teamName}
          </span>
          <p className="gd-scenario-summary">{s.summary}</p>
        </div>
        <div className="gd-library-actions">
          <Link to={`/gamedays/new?scenario=${encodeURIComponent(s.id)}`} className="btn btn-small btn-primary">
            Plan a game day
          </Link>
          {editable && (
            <>
              <button type="button" className="btn btn-small" onClick={onEdit}>
                Edit
              </button>
              <ConfirmButton label="Archive" confirmLabel="Archive it" onConfirm={() => void archive()} />
            </>
          )}
        </div>
      </div>
      <ErrorBanner error={error} />
      <details className="gd-library-details">
        <summary>Hypothesis, expected actions and injects</summary>
        {s.hypothesis && (
          <p>
            <strong>Hypothesis:</strong> {s.hypothesis}
          </p>
        )}
        {s.expectedActions.length > 0 && (
          <>
            <strong>Expected actions</strong>
            <ol>
              {s.expectedActions.map((a, n) => (
                <li key={n}>{a}</li>
              ))}
            </ol>
          </>
        )}
        {s.injects.length > 0 && (
          <>
            <strong>Injects</strong>
            <ul className="gd-library-injects">
              {s.injects.map((i, n) => (
                <li key={n}>
                  <span className="gd-offset">{formatOffset(i.offsetSeconds)}</span> {i.body}
                </li>
              ))}
            </ul>
          </>
        )}
        {s.safetyNotes && (
          <p>
            <strong>Safety:</strong> {s.safetyNotes}
          </p>
        )}
      </details>
    </>
  );
}

function ScenarioForm({
  scenario,
  teams,
  onDone,
}: {
  scenario: Scenario | null;
  teams: { value: string; text: string }[];
  onDone: () => void;
}) {
  const form = useApiForm<Values>(
    {
      teamId: scenario?.teamId ?? teams[0]?.value ?? '',
      name: scenario?.name ?? '',
      category: scenario?.category ?? 'custom',
      level: scenario?.level ?? 'tabletop',
      summary: scenario?.summary ?? '',
      hypothesis: scenario?.hypothesis ?? '',
      safetyNotes: scenario?.safetyNotes ?? '',
      ...toScriptValues(scenario?.expectedActions ?? [], scenario?.injects ?? []),
    },
    async (v) => {
      const body = {
        name: v.name.trim(),
        category: v.category,
        level: v.level,
        summary: v.summary,
        hypothesis: v.hypothesis,
        safetyNotes: v.safetyNotes,
        ...fromScriptValues(v),
      };
      if (scenario) await api.patch(`/api/gameday-scenarios/${encodeURIComponent(scenario.id)}`, body);
      else await api.post('/api/gameday-scenarios', { teamId: v.teamId, ...body });
      onDone();
    },
  );
  return (
    <Card title={scenario ? `Edit “${scenario.name}”` : 'Add a scenario'}>
      <form className="form gd-form" onSubmit={form.onSubmit} noValidate>
        <ErrorBanner
          error={form.error}
          fields={['teamId', 'name', 'category', 'level', 'summary', 'hypothesis', 'safetyNotes']}
        />
        <div className="gd-form-grid">
          {!scenario && <SelectField form={form} name="teamId" id="gds-team" label="Team" options={teams} />}
          <TextField
            form={form}
            name="name"
            id="gds-name"
            label="Name"
            maxLength={200}
            rules={{ required: 'is required' }}
          />
          <SelectField
            form={form}
            name="category"
            id="gds-category"
            label="Category"
            options={Object.entries(CATEGORY_TEXT).map(([value, text]) => ({ value, text }))}
          />
          <SelectField
            form={form}
            name="level"
            id="gds-level"
            label="Level"
            hint="Start with a tabletop; move to real failure injection as the team matures."
            options={LEVELS.map((l) => ({ value: l, text: LEVEL_TEXT[l] }))}
          />
        </div>
        <TextField form={form} name="summary" id="gds-summary" label="Summary" rows={2} />
        <TextField form={form} name="hypothesis" id="gds-hypothesis" label="Hypothesis" rows={2} />
        <ExpectedActionsField form={form} idPrefix="gds" />
        <InjectsField form={form} idPrefix="gds" />
        <TextField form={form} name="safetyNotes" id="gds-safety" label="Safety notes" rows={2} />
        <FormActions busy={form.busy} submit={scenario ? 'Save' : 'Add scenario'} onCancel={onDone} />
      </form>
    </Card>
  );
}
