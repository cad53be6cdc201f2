/**
 * The severity questionnaire and the P1–P4 meanings. Severity is customer impact, never technical complexity: the
 * answers go to POST /api/incidents/assess, which proposes a severity with its reasons; the responder decides.
 */
import { useEffect, useState } from 'react';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import {
  SEVERITIES,
  type Assessment,
  type AssessmentKey,
  type Proposal,
  type Severities,
  type Severity,
} from './types.js';

export function useSeverities() {
  return useApi<Severities>('/api/incidents/severities');
}

/** The proposal for the current answers (null before the first answer or while it loads). */
export function useProposal(assessment: Assessment): Proposal | null {
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const key = JSON.stringify(assessment);
  useEffect(() => {
    if (key === '{}') {
      setProposal(null);
      return;
    }
    const ctl = new AbortController();
    api
      .post<Proposal>('/api/incidents/assess', { assessment: JSON.parse(key) as Assessment }, { signal: ctl.signal })
      .then(setProposal, () => {
        if (!ctl.signal.aborted) setProposal(null);
      });
    return () => ctl.abort();
  }, [key]);
  return proposal;
}

const ANSWERS: [string, boolean | undefined][] = [
  ['Yes', true],
  ['No', false],
  ['Not sure', undefined],
];

export function AssessmentQuestions({
  severities,
  value,
  onChange,
  idPrefix,
}: {
  severities: Severities;
  value: Assessment;
  onChange: (a: Assessment) => void;
  idPrefix: string;
}) {
  const keys = Object.keys(severities.questions) as AssessmentKey[];
  return (
    <fieldset className="assess" aria-label="Severity assessment">
      <legend className="label-like">Who is affected, and how? Answer what you know.</legend>
      {keys.map((k) => (
        <div className="assess-row" key={k} role="radiogroup" aria-label={severities.questions[k]}>
          <span className="assess-q">{severities.questions[k]}</span>
          <span className="inc-seg">
            {ANSWERS.map(([label, v], i) => {
              const id = `${idPrefix}-${k}-${i}`;
              return (
                <label key={label} htmlFor={id} className={value[k] === v ? 'inc-opt active' : 'inc-opt'}>
                  <input
                    id={id}
                    type="radio"
                    name={`${idPrefix}-${k}`}
                    checked={value[k] === v}
                    onChange={() => {
                      const next = { ...value };
                      if (v === undefined) delete next[k];
                      else next[k] = v;
                      onChange(next);
                    }}
                  />
                  {label}
                </label>
              );
            })}
          </span>
        </div>
      ))}
    </fieldset>
  );
}

export function ProposalBox({ proposal }: { proposal: Proposal | null }) {
  if (!proposal) return <p className="muted small">Answer the questions and Muster proposes a severity.</p>;
  return (
    <div className="banner banner-info" role="status" data-testid="severity-proposal">
      <strong>Proposed: {proposal.severity}</strong>
      <ul>
        {proposal.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </div>
  );
}

/** P1–P4 in plain words, as choices. */
export function SeverityChoices({
  severities,
  value,
  onChange,
  name,
}: {
  severities: Severities;
  value: Severity | null;
  onChange: (s: Severity) => void;
  name: string;
}) {
  return (
    <div className="sev-choices" role="radiogroup" aria-label="Severity">
      <p className="muted small">Severity is customer impact, not how hard the problem is to fix.</p>
      {SEVERITIES.map((s) => {
        const d = severities.definitions[s];
        const id = `${name}-${s}`;
        return (
          <label
            key={s}
            htmlFor={id}
            className={value === s ? `sev-choice sev-choice-${s} active` : `sev-choice sev-choice-${s}`}
          >
            <input id={id} type="radio" name={name} checked={value === s} onChange={() => onChange(s)} />
            <span>
              <strong>
                {s} — {d.title}
              </strong>
              <span className="muted small sev-meaning">{d.meaning.join(' · ')}</span>
            </span>
          </label>
        );
      })}
    </div>
  );
}
