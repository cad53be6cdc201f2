export { ChangeService, type ChangeEvent, type NewChange } from './service.js';
