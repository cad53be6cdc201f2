import { AppError } from '../shared/errors.js';

export const policyNotFound = (id: string): AppError =>
  new AppError('escalation_policy_not_found', `No escalation policy with id ${id}.`, { status: 404 });
export const policyInUse = (id: string, services: string[]): AppError =>
  new AppError('escalation_policy_in_use', `Escalation policy ${id} is used by services: ${services.join(', ')}.`, {
    status: 409,
    details: { services },
  });
