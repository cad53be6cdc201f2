import { PageHeader } from '../../components/ui.js';

/** Insights: Recurrence (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function RecurrenceInsightsPage() {
  return <PageHeader title="Recurrence" />;
}
