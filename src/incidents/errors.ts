import { AppError, conflict } from '../shared/errors.js';

export const incidentNotFound = (id: string): AppError =>
  new AppError('incident_not_found', `No incident with id ${id}.`, { status: 404 });
export const taskNotFound = (incidentId: string, taskId: string): AppError =>
  new AppError('incident_task_not_found', `Incident ${incidentId} has no task ${taskId}.`, { status: 404 });
export const alertNotFound = (id: string): AppError =>
  new AppError('alert_not_found', `No alert with id ${id}.`, { status: 404 });
export const changeNotFound = (id: string): AppError =>
  new AppError('change_event_not_found', `No change event with id ${id}.`, { status: 404 });
export const serviceNotFound = (id: string): AppError =>
  new AppError('service_not_found', `No service with id or slug ${id}.`, { status: 404 });
export const assigneeNotFound = (id: string): AppError =>
  new AppError('user_not_found', `No active user with id ${id}.`, { status: 404 });
export const sameStatus = (id: string, status: string): AppError =>
  conflict('incident_status_unchanged', `Incident ${id} is already ${status}.`);
export const incidentResolved = (id: string): AppError =>
  conflict('incident_resolved', `Incident ${id} is resolved; reopen it first.`);
