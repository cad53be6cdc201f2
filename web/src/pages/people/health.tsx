import { comingSoon } from '../coming-soon.js';

/** Placeholder until the real page lands (replace this file). */
export const PeopleHealthPage = comingSoon(
  'People health',
  'Who carries the load, and which service depends on one person.',
  [],
);
