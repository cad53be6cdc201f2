/** /escalation: escalation policies grouped by team, each with its levels in a sentence. */
import { Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
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
      {policies.error ? (
        <LoadError error={policies.error} retry={policies.reload} />
      ) : !policies.data ? (
        <Loading what="Loading escalation policies" />
      ) : groups.length === 0 ? (
        <Card>
          <Empty>
            No escalation policies yet. <Link to="/escalation/new">Create one</Link> that pages your on-call schedule.
          </Empty>
        </Card>
      ) : (
        groups.map((g) => (
          <Card key={g.id} title={g.name}>
            <table className="table" aria-label={`Escalation policies of ${g.name}`}>
              <thead>
                <tr>
                  <th>Policy</th>
                  <th>What it does</th>
                  <th>Working hours</th>
                </tr>
              </thead>
              <tbody>
                {g.policies.map((p) => (
                  <tr key={p.id}>
                    <td className="strong">
                      <Link to={`/escalation/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                      <div className="muted small">
                        {p.levels.length} {p.levels.length === 1 ? 'level' : 'levels'}
                        {p.repeat ? `, repeats ${p.repeat}×` : ''}
                      </div>
                    </td>
                    <td className="small">
                      <ol className="sentences">
                        {previewSentences(p.levels, p.repeat, p.workingHours, names).map((s, i) => (
                          <li key={i}>{s}</li>
                        ))}
                      </ol>
                    </td>
                    <td className="small muted">{workingHoursText(p.workingHours)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        ))
      )}
    </>
  );
}
