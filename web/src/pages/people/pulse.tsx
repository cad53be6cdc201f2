/**
 * The psychological-safety pulse per team and quarter (docs/people-health.md): means and spreads only from 5 answers
 * in a quarter, never per person or incident.
 */
import { useState } from 'react';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { useApi } from '../../lib/use-api.js';

interface Team {
  id: string;
  name: string;
  myRole: string | null;
}
interface Dist {
  mean: number;
  counts: number[];
}
interface Quarter {
  quarter: string;
  suppressed: boolean;
  answers?: number;
  safe?: Dist;
  calm?: Dist;
  roleClear?: Dist;
  comments?: string[];
}

export function PulsePage() {
  const teams = useApi<{ teams: Team[] } | Team[]>('/api/teams');
  const list: Team[] = Array.isArray(teams.data) ? teams.data : (teams.data?.teams ?? []);
  const [teamId, setTeamId] = useState('');
  const team = list.find((t) => t.id === teamId) ?? list.find((t) => t.myRole) ?? list[0];
  return (
    <>
      <PageHeader
        title="Responder pulse"
        subtitle="How responders felt after incidents: anonymous, per quarter, shown from 5 answers."
      />
      {list.length > 1 && (
        <label>
          Team{' '}
          <select value={team?.id ?? ''} onChange={(e) => setTeamId(e.target.value)}>
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {team && <TeamPulse key={team.id} teamId={team.id} />}
    </>
  );
}

const mean = (d?: Dist) => (d ? d.mean.toFixed(2) : '—');

function TeamPulse({ teamId }: { teamId: string }) {
  const pulse = useApi<{ quarters: Quarter[] }>(`/api/teams/${teamId}/pulse`);
  return (
    <Loadable resource={pulse} what="the pulse">
      {(p) => (
        <>
          <Card title="Per quarter (1 = disagree, 5 = agree)">
            <DataTable
              label="Pulse per quarter"
              testId="pulse-quarters"
              rows={p.quarters}
              rowKey={(q) => q.quarter}
              columns={[
                { id: 'quarter', header: 'Quarter', cell: (q) => q.quarter },
                {
                  id: 'answers',
                  header: 'Answers',
                  cell: (q) => (q.suppressed ? 'Fewer than 5: not shown' : q.answers),
                },
                { id: 'safe', header: "Could say 'I do not know'", cell: (q) => mean(q.safe), align: 'num' },
                { id: 'calm', header: 'Calm and coordinated', cell: (q) => mean(q.calm), align: 'num' },
                { id: 'role', header: 'Knew my role', cell: (q) => mean(q.roleClear), align: 'num' },
              ]}
            />
          </Card>
          {p.quarters
            .filter((q) => !q.suppressed && q.comments?.length)
            .map((q) => (
              <Card key={q.quarter} title={`What responders added, ${q.quarter}`}>
                <ul>
                  {q.comments!.map((c, i) => (
                    <li key={i}>{c}</li>
                  ))}
                </ul>
              </Card>
            ))}
        </>
      )}
    </Loadable>
  );
}
