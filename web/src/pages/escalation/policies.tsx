/** /escalation: escalation policies grouped by team, each with its levels in a sentence. */
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';
import { usePeople, useTeams } from '../oncall/people.js';
import type { Schedule } from '../oncall/types.js';
import { previewSentences, workingHoursText, type Names } from './preview.js';
import type { Policy } from './types.js';

export function PoliciesPage() {
  const policies = useApi<{ policies: Policy[] }>('/api/escalation-policies');
  const schedules = useApi<{ schedules: Schedule[] }>('/api/schedules');
  const teams = useTeams();
  const people = usePeople();
  const names: Names = {
    user: people.name,
    schedule: (id) => schedules.data?.schedules.find((s) => s.id === id)?.name ?? id,
  };

  const all = policies.data?.policies ?? [];
  const teamIds = [...new Set([...teams.teams.map((t) => t.id), ...all.map((p) => p.teamId)])];
  const groups = teamIds
    .map((id) => ({ id, name: teams.name(id), policies: all.filter((p) => p.teamId === id) }))
    .filter((g) => g.policies.length > 0);

  const columns: Column<Policy>[] = [
    {
      id: 'name',
      header: 'Policy',
      className: 'strong',
      sortValue: (p) => p.name.toLowerCase(),
      cell: (p) => (
        <>
          <Link to={`/escalation/${encodeURIComponent(p.id)}`}>{p.name}</Link>
          <div className="muted small">
            {p.levels.length} {p.levels.length === 1 ? 'level' : 'levels'}
            {p.repeat ? `, repeats ${p.repeat}×` : ''}
          </div>
        </>
      ),
    },
    {
      id: 'does',
      header: 'What it does',
      className: 'small',
      cell: (p) => (
        <ol className="sentences">
          {previewSentences(p.levels, p.repeat, p.workingHours, names).map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ol>
      ),
    },
    {
      id: 'hours',
      header: 'Working hours',
      hideOnPhone: true,
      className: 'small muted',
      cell: (p) => workingHoursText(p.workingHours),
    },
  ];

  return (
    <>
      <PageHeader
        title="Escalation policies"
        subtitle="Who gets paged, in which order, and how long Muster waits for an acknowledgement before going further."
        actions={
          <Link to="/escalation/new" className="btn btn-primary">
            New policy
          </Link>
        }
      />
      <Loadable
        resource={policies}
        what="escalation policies"
        isEmpty={() => groups.length === 0}
        empty={
          <>
            No escalation policies yet. <Link to="/escalation/new">Create one</Link> that pages your on-call schedule.
          </>
        }
      >
        {() =>
          groups.map((g) => (
            <Card key={g.id} title={g.name}>
              <DataTable
                label={`Escalation policies of ${g.name}`}
                columns={columns}
                rows={g.policies}
                rowKey={(p) => p.id}
              />
            </Card>
          ))
        }
      </Loadable>
    </>
  );
}
