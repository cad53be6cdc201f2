import { AppError } from '../shared/errors.js';

const missing = (kind: string, code: string) => (id: string) =>
  new AppError(code, `No status page ${kind} with id ${id}.`, { status: 404 });

export const componentNotFound = missing('component', 'status_component_not_found');
export const maintenanceNotFound = missing('maintenance', 'status_maintenance_not_found');
export const templateNotFound = missing('template', 'status_template_not_found');
export const subscriberNotFound = missing('subscriber', 'status_subscriber_not_found');

export const incidentNotPublished = (incidentId: string): AppError =>
  new AppError('incident_not_published', `Incident ${incidentId} is not on the status page; publish it first.`, {
    status: 404,
  });

export const incidentAlreadyPublished = (incidentId: string): AppError =>
  new AppError('incident_already_published', `Incident ${incidentId} is already on the status page.`, { status: 409 });

export const builtInTemplate = (id: string): AppError =>
  new AppError('status_template_built_in', `Template ${id} is built in and cannot be changed or deleted.`, {
    status: 409,
  });

export const subscriberLinkInvalid = (): AppError =>
  new AppError('subscriber_link_invalid', 'This link is not valid: it was changed or was not issued here.', {
    status: 400,
  });

export const subscriberLinkExpired = (): AppError =>
  new AppError('subscriber_link_expired', 'This confirmation link has expired. Subscribe again.', { status: 410 });
