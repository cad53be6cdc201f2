import { AppError } from '../shared/errors.js';

export const alertNotFound = (id: string): AppError =>
  new AppError('alert_not_found', `No alert with id ${id}.`, { status: 404 });
export const alertAlreadyResolved = (id: string): AppError =>
  new AppError('alert_already_resolved', `Alert ${id} is resolved; it cannot be acknowledged.`, { status: 409 });
export const invalidIntegrationKey = (): AppError =>
  new AppError(
    'invalid_integration_key',
    'The integration key is missing, unknown, revoked, or for another source. Send it in the URL path, as the basic-auth password, or as a bearer token.',
    { status: 401, headers: { 'www-authenticate': 'Basic realm="muster-intake"' } },
  );
/** Intake is full: the sender should retry soon (Alertmanager retries 5xx at once, with backoff). */
export const intakeBusy = (retryAfterSeconds: number): AppError =>
  new AppError('intake_busy', 'Too many alert deliveries in progress; retry shortly.', {
    status: 503,
    headers: { 'retry-after': String(retryAfterSeconds) },
    details: { retryAfterSeconds },
  });
export const silenceNotFound = (id: string): AppError =>
  new AppError('silence_not_found', `No silence with id ${id}.`, { status: 404 });
export const maintenanceWindowNotFound = (id: string): AppError =>
  new AppError('maintenance_window_not_found', `No maintenance window with id ${id} for this service.`, {
    status: 404,
  });
export const payloadNotFound = (payloadId: string, why: string): AppError =>
  new AppError('payload_not_found', `No received body ${payloadId} for this alert: ${why}.`, { status: 404 });
