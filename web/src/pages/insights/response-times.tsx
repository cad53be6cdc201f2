import { PageHeader } from '../../components/ui.js';

/** Insights: Response times (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function ResponseTimesInsightsPage() {
  return <PageHeader title="Response times" />;
}
