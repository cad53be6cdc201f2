import { PageHeader } from '../../components/ui.js';

/** Insights: Responders (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function RespondersInsightsPage() {
  return <PageHeader title="Responders" />;
}
