/** Boot: ask who is signed in, then render the page the URL names (from the registry in pages/index.ts). */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Layout } from './components/layout.js';
import { Loading, LoadError } from './components/ui.js';
import { api, ApiError, setCsrfToken, setSignedOutHandler } from './lib/api.js';
import { matchPath, navigate, useLocation } from './lib/router.js';
import { AuthContext, type AuthState } from './lib/session.js';
import type { Session } from './lib/types.js';
import { pages } from './pages/index.js';
import { NotFoundPage } from './pages/not-found.js';

type Boot = { status: 'loading' } | { status: 'failed'; error: unknown } | { status: 'ready'; session: Session | null };

async function fetchSession(): Promise<Session | null> {
  try {
    return await api.get<Session>('/api/auth/session', { quiet401: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const { pathname, search } = useLocation();

  const setSession = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    setBoot({ status: 'ready', session: s });
  }, []);

  useEffect(() => {
    let live = true;
    fetchSession().then(
      (s) => live && setSession(s),
      (error: unknown) => live && setBoot({ status: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [attempt, setSession]);

  // Any 401 means the session ended: drop it, and the redirect below sends the user to sign in.
  useEffect(() => {
    setSignedOutHandler(() => setSession(null));
    return () => setSignedOutHandler(null);
  }, [setSession]);

  const session = boot.status === 'ready' ? boot.session : null;
  const auth: AuthState = useMemo(
    () => ({
      session,
      setSession,
      refresh: async () => setSession(await fetchSession()),
      signOut: async () => {
        await api.post('/api/auth/sign-out');
        setSession(null);
        navigate('/signin');
      },
    }),
    [session, setSession],
  );

  const match = useMemo(() => {
    for (const page of pages) {
      const params = matchPath(page.path, pathname);
      if (params) return { page, params };
    }
    return null;
  }, [pathname]);

  const needsSignIn = boot.status === 'ready' && !session && !match?.page.isPublic;
  useEffect(() => {
    if (needsSignIn) {
      const qs = search.toString();
      const here = pathname + (qs ? `?${qs}` : '');
      navigate(here === '/' ? '/signin' : `/signin?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [needsSignIn, pathname, search]);

  useEffect(() => {
    document.title = match ? `${match.page.title} · Muster` : 'Muster';
  }, [match]);

  if (boot.status === 'loading')
    return (
      <Centered>
        <Loading what="Starting Muster" />
      </Centered>
    );
  if (boot.status === 'failed')
    return (
      <Centered>
        <LoadError
          error={boot.error}
          retry={() => {
            setBoot({ status: 'loading' });
            setAttempt((a) => a + 1);
          }}
        />
      </Centered>
    );

  if (match?.page.isPublic) {
    const Page = match.page.component;
    return (
      <AuthContext.Provider value={auth}>
        <Page params={match.params} />
      </AuthContext.Provider>
    );
  }
  if (!session)
    return (
      <Centered>
        <Loading what="Opening sign-in" />
      </Centered>
    );

  let content;
  if (!match) content = <NotFoundPage params={{}} />;
  else if (match.page.adminOnly && !session.user.isAdmin)
    content = (
      <div className="banner banner-info" role="alert">
        <strong>{match.page.title} is for administrators.</strong> Ask an administrator if you need access.
      </div>
    );
  else {
    const Page = match.page.component;
    // The key remounts the page when its parameters change (one team page to another).
    content = <Page key={pathname} params={match.params} />;
  }
  return (
    <AuthContext.Provider value={auth}>
      <Layout>{content}</Layout>
    </AuthContext.Provider>
  );
}

function Centered({ children }: { children: ReactNode }) {
  return <div className="centered">{children}</div>;
}
