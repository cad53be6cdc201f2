/** Maintenance windows of a service (alerts during a window page nobody). Hidden until the API exists. */
import { ApiError } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { Card } from '../../components/ui.js';
import type { Service } from '../alerts/types.js';

export function MaintenanceWindows({ service }: { service: Service }) {
  const windows = useApi<{ maintenanceWindows?: unknown[] }>(
    `/api/services/${encodeURIComponent(service.id)}/maintenance-windows`,
  );
  if (windows.error instanceof ApiError && windows.error.status === 404) return null;
  if (!windows.data) return null;
  return <Card title="Maintenance windows">{null}</Card>;
}
