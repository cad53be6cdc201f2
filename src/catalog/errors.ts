import { AppError } from '../shared/errors.js';

export const serviceNotFound = (id: string): AppError =>
  new AppError('service_not_found', `No service with id or slug ${id}.`, { status: 404 });
export const serviceSlugTaken = (slug: string): AppError =>
  new AppError('service_slug_taken', `A service with slug ${slug} already exists.`, {
    status: 409,
    details: { field: 'slug' },
  });
export const serviceHasAlerts = (id: string): AppError =>
  new AppError('service_has_alerts', `Service ${id} has alerts; it cannot be deleted.`, { status: 409 });
export const integrationKeyNotFound = (id: string): AppError =>
  new AppError('integration_key_not_found', `No integration key with id ${id}.`, { status: 404 });
export const integrationKeyRevoked = (id: string): AppError =>
  new AppError('integration_key_revoked', `Integration key ${id} is revoked.`, { status: 409 });
