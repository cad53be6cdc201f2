/**
 * One way every page shows data it loads: an error with "Try again", a loading line, an empty state that says what
 * to do next, or the content. Pages pass what `useApi` returned.
 */
import type { ReactNode } from 'react';
import type { Resource } from '../lib/use-api.js';
import { Empty, LoadError, Loading } from './ui.js';

export function Loadable<T>({
  resource,
  what,
  isEmpty,
  empty,
  errorHeader,
  children,
}: {
  resource: Pick<Resource<T>, 'data' | 'error' | 'reload'>;
  /** "Loading teams…" */
  what: string;
  /** When the data has nothing to show; `empty` is shown instead of the content. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  /** Shown above the error when nothing could load (a page's header with its way back). */
  errorHeader?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (resource.error && !resource.data)
    return (
      <>
        {errorHeader}
        <LoadError error={resource.error} retry={resource.reload} />
      </>
    );
  if (!resource.data) return <Loading what={`Loading ${what}`} />;
  if (isEmpty?.(resource.data)) return <Empty>{empty ?? `No ${what} yet.`}</Empty>;
  return (
    <>
      {resource.error ? <LoadError error={resource.error} retry={resource.reload} /> : null}
      {children(resource.data)}
    </>
  );
}
