import * as React from 'react';
import { Button, Flex, ProgressBar, Typography } from '@strapi/design-system';
import {
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
  isFetchError,
} from '@strapi/strapi/admin';

import type { Backfill, BackfillProgress } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { BACKFILL_POLL, nextPollDelay } from './poll';

/**
 * "Create rooms for existing entries" for one saved binding, with its progress: polled while
 * entries are still waiting for a room.
 */
export function BackfillControl({ uid }: { uid: string }) {
  const t = useT();
  const { get, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [progress, setProgress] = React.useState<BackfillProgress | null>(null);
  const [polling, setPolling] = React.useState(false);
  const [starting, setStarting] = React.useState(false);

  const refresh = React.useCallback(async () => {
    const { data } = await get<Backfill.Response>(
      `/iflychat/backfill?uid=${encodeURIComponent(uid)}`
    );
    setProgress(data.data);
    return data.data;
  }, [get, uid]);

  React.useEffect(() => {
    refresh().catch(() => setProgress(null));
  }, [refresh]);

  // One request at a time: the next one is asked for once the last has answered, sooner while
  // the count moves, up to BACKFILL_POLL.maxMs apart while it stands still.
  React.useEffect(() => {
    if (!polling) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay: number = BACKFILL_POLL.minMs;
    let last = '';
    const poll = () => {
      refresh()
        .then((current) => {
          if (stopped) return;
          if (current.remaining === 0) {
            setPolling(false);
            return;
          }
          const seen = `${current.done}/${current.failed}/${current.remaining}`;
          delay = nextPollDelay(delay, seen !== last);
          last = seen;
          timer = setTimeout(poll, delay);
        })
        .catch(() => {
          if (!stopped) setPolling(false);
        });
    };
    timer = setTimeout(poll, delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [polling, refresh]);

  const start = async () => {
    setStarting(true);
    try {
      const { data } = await post<Backfill.Response, Backfill.Request>('/iflychat/backfill', {
        uid,
      });
      setProgress(data.data);
      setPolling(data.data.remaining > 0);
    } catch (error) {
      toggleNotification({
        type: 'danger',
        message: isFetchError(error) ? formatAPIError(error) : String(error),
      });
    } finally {
      setStarting(false);
    }
  };

  if (!progress) return null;
  const percent = progress.total === 0 ? 100 : Math.round((progress.done / progress.total) * 100);

  return (
    <Flex direction="column" alignItems="stretch" gap={2} data-testid={`backfill-${uid}`}>
      <Flex gap={4} alignItems="center" wrap="wrap">
        <Button variant="secondary" size="S" loading={starting} onClick={() => void start()}>
          {t('settings.backfill.button', 'Create rooms for existing entries')}
        </Button>
        <Typography variant="pi" textColor="neutral600" role="status">
          {t(
            'settings.backfill.status',
            '{done} of {total} published entries have a room · {failed} failed · {remaining} to go',
            { ...progress }
          )}
        </Typography>
      </Flex>
      {(polling || progress.remaining > 0) && progress.total > 0 && (
        <ProgressBar
          value={percent}
          size="M"
          aria-label={t('settings.backfill.progress', '{percent}% of the rooms created', {
            percent,
          })}
        />
      )}
    </Flex>
  );
}
