export { CatalogService, type ServiceDetail, type CreateServiceInput, type UpdateServiceInput } from './service.js';
export { IntegrationKeyService, type IntakeKey } from './keys.js';
export {
  CRITICALITIES,
  INTEGRATION_SOURCES,
  isIntegrationSource,
  withoutIntegrationKey,
  type Criticality,
  type IntegrationSource,
  DEFAULT_PAGING_GROUPS,
  PAGING_GROUP_MODES,
  isPagingGroupMode,
  pagingGroupProblems,
  type PagingGroupMode,
  type PagingGroups,
} from './model.js';
export {
  findServiceRow,
  serviceMemoKey,
  toService,
  type Service,
  type IntegrationKey,
  type IncidentRule,
} from './repo.js';
export { listServiceRows } from './repo.js';
export { serviceNotFound } from './errors.js';
