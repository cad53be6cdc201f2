/** The signed-in frame: navigation on the left (built from the page registry), the page on the right. */
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '../lib/api.js';
import { Link, matchPath, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { pages } from '../pages/index.js';
import { SECTIONS } from '../pages/types.js';

export function Layout({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { pathname } = useLocation();
  const [signOutError, setSignOutError] = useState<string | null>(null);
  // On a phone the navigation folds behind a Menu button, so the page (the alert, the room) is the first screen.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);
  const user = session.user;

  const visible = pages.filter((p) => p.section && !p.isPublic && (!p.adminOnly || user.isAdmin));
  const isActive = (path: string) =>
    path === '/'
      ? pathname === '/'
      : pathname === path || pathname.startsWith(`${path}/`) || !!matchPath(path, pathname);

  return (
    <div className="shell">
      <aside className={menuOpen ? 'sidebar menu-open' : 'sidebar'}>
        <div className="sidebar-top">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              M
            </span>
            <span>Muster</span>
          </Link>
          <button
            type="button"
            className="btn btn-small btn-sidebar menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            {menuOpen ? 'Close' : 'Menu'}
          </button>
        </div>
        <nav aria-label="Main" id="main-nav">
          {SECTIONS.map((section) => {
            const items = visible.filter((p) => p.section === section);
            if (items.length === 0) return null;
            return (
              <div className="nav-section" key={section}>
                {section !== 'Overview' && <div className="nav-heading">{section}</div>}
                <ul>
                  {items.map((p) => (
                    <li key={p.path}>
                      <Link
                        to={p.path}
                        className={isActive(p.path) ? 'nav-link active' : 'nav-link'}
                        aria-current={isActive(p.path) ? 'page' : undefined}
                      >
                        {p.title}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <div className="sidebar-foot">
          <Link to="/profile" className={pathname === '/profile' ? 'me active' : 'me'}>
            <span className="avatar" aria-hidden="true">
              {initials(user.name || user.email)}
            </span>
            <span className="me-text">
              <span className="me-name">{user.name || user.email}</span>
              <span className="me-email">{user.email}</span>
            </span>
          </Link>
          <button
            type="button"
            className="btn btn-small btn-sidebar"
            onClick={() => {
              setSignOutError(null);
              signOut().catch((e: unknown) => setSignOutError(errorMessage(e)));
            }}
          >
            Sign out
          </button>
          {signOutError && <div className="sidebar-error">{signOutError}</div>}
        </div>
      </aside>
      <main className="main" id="main">
        {children}
      </main>
    </div>
  );
}

function initials(s: string): string {
  const parts = s.split(/[\s@.]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}
