export { ChangeService, type ChangeEvent, type ChangeFilter, type NewChange } from './service.js';
export { CHANGE_KINDS, isChangeKind, normalizeLinks, type ChangeKind, type ChangeLink } from './model.js';
