/** The post-mortem API's shapes (docs/postmortems.md, issue 11) and the words the pages use for them. */
import type { Severity } from '../incidents/types.js';

export interface UserRef {
  id: string;
  name: string;
}

export type PostmortemStatus = 'draft' | 'in_review' | 'published';
export const PM_STATUS_TEXT: Record<PostmortemStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published',
};

export interface IncidentRef {
  id: string;
  title: string;
  severity: Severity;
  status: string;
  declaredAt: string;
  resolvedAt: string | null;
  services?: { id: string; name: string }[];
}

export interface PostmortemSummary {
  id: string;
  incident: IncidentRef;
  title: string;
  status: PostmortemStatus;
  owner: UserRef | null;
  dueAt: string | null;
  isRequired: boolean;
  isOverdue: boolean;
  publishedAt: string | null;
  updatedAt: string;
  teams: { id: string; name: string }[];
}

export type SectionKind = 'text' | 'timeline' | 'impact' | 'whys' | 'actions' | 'factors';
export const SECTION_KINDS: readonly SectionKind[] = ['text', 'timeline', 'impact', 'whys', 'actions', 'factors'];
export const SECTION_KIND_TEXT: Record<SectionKind, string> = {
  text: 'Text',
  timeline: 'Timeline',
  impact: 'Impact',
  whys: '5 Whys',
  actions: 'Action items',
  factors: 'Contributing factors',
};

export interface Section {
  key: string;
  title: string;
  kind: SectionKind;
  required: boolean;
  help: string;
  body: string;
  isFilled: boolean;
}

export interface Impact {
  durationSeconds: number | null;
  impactStartedAt: string | null;
  detectedAt: string | null;
  acknowledgedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  services: { id: string; name: string }[];
  alertCount: number;
  pageCount: number;
  peoplePaged: UserRef[];
  statusComponents: { id: string; name: string }[];
  publicImpactMinutes: number | null;
  overrides: {
    customersAffected?: string | number | null;
    revenueImpact?: string | number | null;
    notes?: string | null;
  };
}

export interface BlameFinding {
  fingerprint: string;
  ruleId: string;
  sectionKey?: string;
  start: number;
  end: number;
  excerpt: string;
  sentence: string;
  message: string;
  suggestion: string;
}

export type Decision = 'pending' | 'approved' | 'changes_requested';
export const DECISION_TEXT: Record<Decision, string> = {
  pending: 'Pending',
  approved: 'Approved',
  changes_requested: 'Changes requested',
};

export interface Reviewer {
  user: UserRef;
  decision: Decision;
  decidedAt: string | null;
  note: string | null;
}

export interface Comment {
  id: string;
  sectionKey: string;
  author: UserRef | null;
  body: string;
  createdAt: string;
  resolvedAt: string | null;
}

export interface PublishProblem {
  code: string;
  message: string;
  sectionKey?: string;
}

export interface Postmortem {
  id: string;
  incidentId: string;
  incident: IncidentRef;
  title: string;
  status: PostmortemStatus;
  owner: UserRef | null;
  dueAt: string | null;
  isRequired: boolean;
  isOverdue: boolean;
  template: { id: string; name: string };
  sections: Section[];
  impact: Impact;
  publicSummary: string | null;
  publicSummaryPublishedAt: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  reviewRequestedAt: string | null;
  publishedAt: string | null;
  reviewers: Reviewer[];
  comments: Comment[];
  blame: {
    findings: BlameFinding[];
    dismissed: {
      fingerprint: string;
      ruleId: string;
      excerpt: string;
      reason: string;
      by: string | UserRef | null;
      at: string;
    }[];
  };
  publishProblems: PublishProblem[];
}

export type TimelineTag = 'detection' | 'diagnosis' | 'repair' | 'key_moment';
export const TIMELINE_TAGS: readonly TimelineTag[] = ['detection', 'diagnosis', 'repair', 'key_moment'];
export const TAG_TEXT: Record<TimelineTag, string> = {
  detection: 'Detection',
  diagnosis: 'Diagnosis',
  repair: 'Repair',
  key_moment: 'Key moment',
};

export interface TimelineItem {
  ref: string;
  at: string;
  kind: string;
  source: 'incident' | 'alert' | 'milestone' | 'entry';
  body: string;
  actor: UserRef | string | null;
  starred: boolean;
  hidden: boolean;
  tag: TimelineTag | null;
  narrative: string | null;
  entryId?: string;
}

export type Milestone = 'impactStartedAt' | 'detectedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt';
export const MILESTONES: readonly Milestone[] = [
  'impactStartedAt',
  'detectedAt',
  'acknowledgedAt',
  'mitigatedAt',
  'resolvedAt',
];
export const MILESTONE_TEXT: Record<Milestone, string> = {
  impactStartedAt: 'Impact started',
  detectedAt: 'Detected',
  acknowledgedAt: 'Acknowledged',
  mitigatedAt: 'Mitigated',
  resolvedAt: 'Resolved',
};

export interface Metrics {
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
}

export interface Timeline {
  events: TimelineItem[];
  milestones: Record<Milestone, string | null>;
  metrics: Metrics;
}

export interface RevisionSummary {
  revision: number;
  at: string;
  author: UserRef | null;
  summary: string;
}

export interface RevisionDetail extends RevisionSummary {
  diff: { field: string; sectionKey?: string; unified: string }[];
}

export interface TemplateSection {
  key: string;
  title: string;
  kind: SectionKind;
  required: boolean;
  help: string;
}

export interface Template {
  id: string;
  name: string;
  description: string;
  isBuiltin: boolean;
  sections: TemplateSection[];
}

export type PolicyMode = 'required' | 'optional' | 'none';
export interface Policy {
  severity: Severity;
  mode: PolicyMode;
  dueBusinessDays: number | null;
  templateId: string;
}

/** What the incident list and room learn about an incident's post-mortem. */
export interface IncidentPostmortemLink {
  id: string;
  status: PostmortemStatus;
  dueAt: string | null;
  isOverdue: boolean;
  isRequired: boolean;
}

export const pmPath = (id: string) => `/api/postmortems/${encodeURIComponent(id)}`;
export const pmPage = (id: string) => `/postmortems/${encodeURIComponent(id)}`;

export function userName(u: UserRef | string | null | undefined): string {
  if (!u) return '—';
  return typeof u === 'string' ? u : u.name;
}
