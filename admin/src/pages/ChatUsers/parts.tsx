/**
 * Shared pieces of the Chat users page: loading one API answer, running one action with its
 * notification, and a section with its title and error.
 */
import * as React from 'react';
import { Typography } from '@strapi/design-system';
import { useAPIErrorHandler, useFetchClient, useNotification } from '@strapi/strapi/admin';

import { Section as Card } from '../Settings/Section';

export type Loaded<T> =
  { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; data: T };

/** `GET url` → its `data`, again on `reload()` or when the url changes. */
export function useLoad<T>(url: string) {
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<Loaded<T>>({ kind: 'loading' });
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    let live = true;
    get<{ data: T }>(url)
      .then(({ data }) => live && setState({ kind: 'ready', data: data.data }))
      .catch((error: unknown) => {
        if (live) setState({ kind: 'error', message: formatAPIError(error as never) });
      });
    return () => {
      live = false;
    };
  }, [get, url, version, formatAPIError]);
  const reload = React.useCallback(() => setVersion((v) => v + 1), []);
  return { state, reload };
}

/** Posts one moderation action; notifies, then calls `after` when it worked. */
export function useAction() {
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [busy, setBusy] = React.useState<string | null>(null);
  const act = async (key: string, path: string, body: unknown, done: string, after: () => void) => {
    setBusy(key);
    try {
      await post(path, body);
      toggleNotification({ type: 'success', message: done });
      after();
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, act };
}

/** The settings pages' card, with an error line under its title when a list could not load. */
export function Section({
  error,
  children,
  ...card
}: {
  title: string;
  error?: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Card {...card}>
      {error && (
        <Typography variant="pi" textColor="danger600" role="alert">
          {error}
        </Typography>
      )}
      {children}
    </Card>
  );
}
