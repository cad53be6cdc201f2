import { PageHeader } from '../../components/ui.js';

/** Insights: Alert quality (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function AlertQualityInsightsPage() {
  return <PageHeader title="Alert quality" />;
}
