import { comingSoon } from '../coming-soon.js';

/** Placeholder until the real page lands (replace this file). */
export const RunbooksPage = comingSoon('Runbooks', 'Runbooks for every service.', []);
