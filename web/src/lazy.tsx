// A page loaded on first use: its code is a chunk of its own, fetched when
// the route is first opened, so the bundle every agent loads at sign-in
// stays small (issue 17's figure). While it loads, "Loading…".

import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Params } from './router';
import { Loading } from './components/Page';
import { ErrorBox } from './components/ErrorBox';

type PageComponent = FunctionComponent<{ params: Params }>;

export function lazyPage(load: () => Promise<PageComponent>): PageComponent {
  let loaded: PageComponent | null = null;
  let pending: Promise<PageComponent> | null = null;
  return function LazyPage(props) {
    // (A function given to useState is its initializer: wrapped, the component is the state.)
    const [page, setPage] = useState<PageComponent | null>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (loaded) return;
      let alive = true;
      pending ??= load().then((p) => (loaded = p));
      pending.then(
        (p) => alive && setPage(() => p),
        (e) => {
          // A failed fetch (e.g. after an update replaced the chunk): try again next time.
          pending = null;
          if (alive) setError(e);
        },
      );
      return () => {
        alive = false;
      };
    }, []);
    if (error != null) return <ErrorBox error={error} />;
    if (!page) return <Loading />;
    const Page = page;
    return <Page {...props} />;
  };
}
