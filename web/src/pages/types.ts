import type { ComponentType } from 'react';

export interface PageProps {
  /** Path parameters, e.g. `{ team: 'payments' }` for `/teams/:team`. */
  params: Record<string, string>;
}

/** Navigation groups, in the order the sidebar shows them. `null` pages are reachable by link only. */
export type Section = 'Overview' | 'Respond' | 'Learn' | 'Organisation' | 'Admin';
export const SECTIONS: readonly Section[] = ['Overview', 'Respond', 'Learn', 'Organisation', 'Admin'];

export interface PageDef {
  /** `/teams/:team` style; the first matching page wins. */
  path: string;
  title: string;
  section: Section | null;
  component: ComponentType<PageProps>;
  adminOnly?: boolean;
  /** Shown without signing in (the sign-in pages); rendered without the navigation. */
  isPublic?: boolean;
}
