/** The status page's words, as the public page shows them (src/statuspage/model.ts has the server's copy). */
export type PublicStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export type ComponentStatus =
  'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';

export const PUBLIC_STATUS_LABELS: Record<PublicStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};
