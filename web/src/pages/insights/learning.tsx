import { PageHeader } from '../../components/ui.js';

/** Insights: Learning (issue 12, docs/insights.md). Stub; its owner fills it in. */
export function LearningInsightsPage() {
  return <PageHeader title="Learning" />;
}
