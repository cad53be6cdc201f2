export {
  ChangeService,
  type ChangeEvent,
  type ChangeFilter,
  type ChangeWarning,
  type NewChange,
  type Recorded,
} from './service.js';
export { CHANGE_KINDS, isChangeKind, normalizeLinks, type ChangeKind, type ChangeLink } from './model.js';
export {
  ChangeHookService,
  type ChangeConfig,
  type ChangeHook,
  type DeliveryResult,
  type HookDelivery,
  type MappingInput,
  type Sealer,
} from './hooks.js';
export { CHANGE_SOURCES, SOURCE_NAMES, isChangeSource, parseDelivery, type ChangeSource } from './sources.js';
export { MATCHER_OPS as CHANGE_MATCHER_OPS } from './mapping.js';
export { signFor } from './signatures.js';
