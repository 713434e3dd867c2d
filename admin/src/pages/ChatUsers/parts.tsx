/**
 * Shared pieces of the Chat users page: loading one API answer, running one action with its
 * notification, and a section with its title and error.
 */
import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';
import { useAPIErrorHandler, useFetchClient, useNotification } from '@strapi/strapi/admin';

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

export function Section(props: {
  title: string;
  error?: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Box
      tag="section"
      aria-label={props.title}
      background="neutral0"
      hasRadius
      shadow="tableShadow"
      padding={6}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between">
          <Typography variant="delta" tag="h2">
            {props.title}
          </Typography>
          {props.actions}
        </Flex>
        {props.error && (
          <Typography variant="pi" textColor="danger600" role="alert">
            {props.error}
          </Typography>
        )}
        {props.children}
      </Flex>
    </Box>
  );
}
