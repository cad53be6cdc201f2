/**
 * The Markdown export of a post-mortem (pure): title and metadata, then every section in template order — text as
 * written; the curated timeline; the impact numbers; the 5 Whys as a nested list; the action items as a table;
 * contributing factors — each followed by the author's narrative.
 */
import type { TimelineItem } from './prefill.js';

interface ExportView {
  title: string;
  status: string;
  incident: { id: string; title: string; severity: string; declaredAt: string; resolvedAt: string | null };
  owner: { name: string } | null;
  dueAt: string | null;
  publishedAt: string | null;
  template: { name: string };
  revision: number;
  sections: { key: string; title: string; kind: string; body: string }[];
  impact: {
    durationSeconds: number | null;
    services: { name: string }[];
    alertCount: number;
    pageCount: number;
    peoplePaged: { name: string }[];
    statusComponents: { name: string }[];
    publicImpactMinutes: number | null;
    overrides: { customersAffected?: string; revenueImpact?: string; notes?: string };
  };
  reviewers: { user: { name: string }; decision: string }[];
}

export interface ExportInput {
  pm: ExportView;
  timeline: TimelineItem[];
  metrics: { mttdSeconds: number | null; mttaSeconds: number | null; mttrSeconds: number | null };
  whys: {
    id: string;
    parentId: string | null;
    question: string;
    answer: string;
    evidence: { url: string; label: string }[];
  }[];
  actions: {
    title: string;
    kind: string;
    priority: string;
    status: string;
    dueAt: number;
    trackerUrl: string | null;
    owner: string;
  }[];
  factors: { label: string; note: string }[];
}

/** A duration in words: 1 h 5 min, 42 s. */
export function humanDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC') : '—');

function whysList(whys: ExportInput['whys']): string[] {
  const children = new Map<string | null, ExportInput['whys']>();
  for (const w of whys) children.set(w.parentId, [...(children.get(w.parentId) ?? []), w]);
  const out: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const w of children.get(parent) ?? []) {
      const pad = '  '.repeat(depth);
      out.push(`${pad}- **Why?** ${w.question.trim()}`);
      out.push(`${pad}  **Because** ${w.answer.trim() || '_(no answer yet)_'}`);
      for (const e of w.evidence) out.push(`${pad}  - Evidence: [${e.label || e.url}](${e.url})`);
      if (depth < 20) walk(w.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function renderExport(input: ExportInput): string {
  const { pm } = input;
  const lines: string[] = [`# ${pm.title}`, ''];
  lines.push(
    `- **Incident:** ${pm.incident.title} (${pm.incident.severity}, ${pm.incident.id})`,
    `- **Declared:** ${when(pm.incident.declaredAt)} · **Resolved:** ${when(pm.incident.resolvedAt)}`,
    `- **Status:** ${pm.status.replace('_', ' ')}${pm.publishedAt ? ` (published ${when(pm.publishedAt)})` : ''}`,
    `- **Owner:** ${pm.owner?.name ?? 'nobody'} · **Due:** ${when(pm.dueAt)}`,
    `- **Reviewers:** ${pm.reviewers.length ? pm.reviewers.map((r) => `${r.user.name} (${r.decision.replace('_', ' ')})`).join(', ') : 'none'}`,
    `- **Template:** ${pm.template.name} · **Revision:** ${pm.revision}`,
    '',
  );
  for (const s of pm.sections) {
    lines.push(`## ${s.title}`, '');
    switch (s.kind) {
      case 'timeline':
        if (input.timeline.length === 0) lines.push('_No moments starred yet._', '');
        else {
          for (const e of input.timeline) {
            const tag = e.tag ? ` _(${e.tag.replace('_', ' ')})_` : '';
            lines.push(`- **${when(e.at)}** — ${e.body.replace(/\n/g, ' ')}${tag}`);
            if (e.narrative) lines.push(`  ${e.narrative.replace(/\n/g, ' ')}`);
          }
          lines.push('');
        }
        break;
      case 'impact': {
        const i = pm.impact;
        lines.push(
          `| Measure | Value |`,
          `|---|---|`,
          `| Duration | ${humanDuration(i.durationSeconds)} |`,
          `| Time to detect (MTTD) | ${humanDuration(input.metrics.mttdSeconds)} |`,
          `| Time to acknowledge (MTTA) | ${humanDuration(input.metrics.mttaSeconds)} |`,
          `| Time to resolve (MTTR) | ${humanDuration(input.metrics.mttrSeconds)} |`,
          `| Services affected | ${cell(i.services.map((x) => x.name).join(', ') || 'none')} |`,
          `| Alerts | ${i.alertCount} |`,
          `| Pages | ${i.pageCount} |`,
          `| People paged | ${cell(i.peoplePaged.map((x) => x.name).join(', ') || 'nobody')} |`,
          `| Status-page components | ${cell(i.statusComponents.map((x) => x.name).join(', ') || 'none')} |`,
          `| Public impact | ${i.publicImpactMinutes === null ? 'not on the status page' : `${i.publicImpactMinutes} min`} |`,
        );
        if (i.overrides.customersAffected)
          lines.push(`| Customers affected | ${cell(i.overrides.customersAffected)} |`);
        if (i.overrides.revenueImpact) lines.push(`| Revenue impact | ${cell(i.overrides.revenueImpact)} |`);
        lines.push('');
        if (i.overrides.notes) lines.push(i.overrides.notes.trim(), '');
        break;
      }
      case 'whys': {
        const list = whysList(input.whys);
        if (list.length) lines.push(...list, '');
        // Contributing factors go under the root cause when the template has no section of their own.
        if (input.factors.length && !pm.sections.some((x) => x.kind === 'factors')) {
          lines.push('**Contributing factors:**', '');
          for (const f of input.factors) lines.push(`- ${f.label}${f.note ? ` — ${f.note.replace(/\n/g, ' ')}` : ''}`);
          lines.push('');
        }
        break;
      }
      case 'actions':
        if (input.actions.length) {
          lines.push('| Action | Kind | Priority | Owner | Due | Status | Tracker |', '|---|---|---|---|---|---|---|');
          for (const a of input.actions) {
            lines.push(
              `| ${cell(a.title)} | ${a.kind} | ${a.priority} | ${cell(a.owner)} | ${new Date(a.dueAt).toISOString().slice(0, 10)} | ${a.status.replace('_', ' ')} | ${a.trackerUrl ? `[link](${a.trackerUrl})` : ''} |`,
            );
          }
          lines.push('');
        }
        break;
      case 'factors':
        if (input.factors.length) {
          for (const f of input.factors) lines.push(`- ${f.label}${f.note ? ` — ${f.note.replace(/\n/g, ' ')}` : ''}`);
          lines.push('');
        }
        break;
    }
    const body = s.body.trim();
    if (body) lines.push(body, '');
    else if (s.kind === 'text') lines.push('_Not written yet._', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
