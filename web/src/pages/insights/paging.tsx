import { PageHeader } from '../../components/ui.js';

/** Insights: Paging (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function PagingInsightsPage() {
  return <PageHeader title="Paging" />;
}
