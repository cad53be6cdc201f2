import type { ComponentType } from 'react';
import { Card, PageHeader } from '../components/ui.js';
import type { PageProps } from './types.js';

/** A placeholder page for a feature that is on its way; replace the registry line with the real page. */
export function comingSoon(title: string, description: string, points: string[]): ComponentType<PageProps> {
  function ComingSoonPage() {
    return (
      <>
        <PageHeader title={title} subtitle={description} />
        <Card className="coming-soon">
          <p className="coming-soon-tag">Coming soon</p>
          <ul>
            {points.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Card>
      </>
    );
  }
  ComingSoonPage.displayName = `ComingSoon(${title})`;
  return ComingSoonPage;
}
