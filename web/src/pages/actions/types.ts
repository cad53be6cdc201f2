/** The action-item shapes of the API (src/http/routes/action-items.ts) and their words in the UI. */

export type Priority = 'high' | 'medium' | 'low';
export type Kind = 'mitigate' | 'prevent' | 'detect' | 'process' | 'runbook';
export type Status = 'open' | 'in_progress' | 'done' | 'wont_do' | 'verified';

export interface Named {
  id: string;
  name: string;
}

export interface ActionItem {
  id: string;
  postmortemId: string | null;
  incidentId: string | null;
  incident: { id: string; title: string; severity: string } | null;
  title: string;
  description: string;
  owner: Named;
  team: Named;
  dueAt: string;
  priority: Priority;
  kind: Kind;
  /** Kind 'runbook': the runbook it marks reviewed when done. */
  runbookId: string | null;
  status: Status;
  statusReason: string | null;
  verification: string | null;
  verificationAlertRule: string | null;
  sourceSection: string | null;
  sourceWhyId: string | null;
  tracker: { provider: string; key: string | null; url: string } | null;
  trackerIssue: { status: 'pending' | 'failed'; error: string | null } | null;
  isOverdue: boolean;
  createdAt: string;
  updatedAt: string;
  doneAt: string | null;
  verifiedAt: string | null;
}

export interface ActionItemPage {
  items: ActionItem[];
  nextCursor: string | null;
}

export const STATUS_TEXT: Record<Status, string> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  wont_do: "Won't do",
  verified: 'Verified',
};
export const STATUS_OPTIONS = (Object.keys(STATUS_TEXT) as Status[]).map((s) => ({ value: s, text: STATUS_TEXT[s] }));

export const PRIORITY_TEXT: Record<Priority, string> = { high: 'High', medium: 'Medium', low: 'Low' };
export const PRIORITY_OPTIONS = (Object.keys(PRIORITY_TEXT) as Priority[]).map((p) => ({
  value: p,
  text: PRIORITY_TEXT[p],
}));
/** Days until due when no date is given (the server's rule: src/actions/model.ts DUE_DAYS). */
export const DUE_DAYS: Record<Priority, number> = { high: 7, medium: 14, low: 30 };

export const KIND_TEXT: Record<Kind, string> = {
  mitigate: 'Mitigate',
  prevent: 'Prevent',
  detect: 'Detect',
  process: 'Process',
  runbook: 'Update the runbook',
};
export const KIND_OPTIONS = (Object.keys(KIND_TEXT) as Kind[]).map((k) => ({ value: k, text: KIND_TEXT[k] }));

/** The due day (YYYY-MM-DD) a priority gives when created today. */
export function defaultDueDay(priority: Priority, now = Date.now()): string {
  return new Date(now + DUE_DAYS[priority] * 86_400_000).toISOString().slice(0, 10);
}
