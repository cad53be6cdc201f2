import { PageHeader } from '../components/ui.js';
import { Link, useLocation } from '../lib/router.js';

export function NotFoundPage(_props: { params: Record<string, string> }) {
  const { pathname } = useLocation();
  return (
    <>
      <PageHeader
        title="Page not found"
        subtitle={
          <>
            Nothing lives at <code>{pathname}</code>.
          </>
        }
      />
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </>
  );
}
