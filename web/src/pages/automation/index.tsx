import { comingSoon } from '../coming-soon.js';

/** Placeholder until the real page lands (replace this file). */
export const AutomationPage = comingSoon('Automation', 'Actions, runs, approvals, rules and agents.', []);
