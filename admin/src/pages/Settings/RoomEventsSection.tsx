/**
 * Room events for Strapi's webhooks. Strapi's own webhook form only lists the entry and media
 * events, so the room events (`iflychat-room.*`) are ticked here, per webhook, through Strapi's
 * webhooks API (and its `admin::webhooks.*` permissions). Editing a webhook in Settings → Webhooks
 * afterwards keeps them.
 */
import * as React from 'react';
import { Checkbox, Flex, Typography } from '@strapi/design-system';
import {
  isFetchError,
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
  useRBAC,
} from '@strapi/strapi/admin';

import { useT } from '../../utils/translate';
import { Section } from './Section';

export const ROOM_EVENT_NAMES = [
  'iflychat-room.created',
  'iflychat-room.updated',
  'iflychat-room.deleted',
  'iflychat-room.failed',
];

interface Webhook {
  id: number | string;
  name: string;
  url: string;
  headers: Record<string, string>;
  events: string[];
  isEnabled: boolean;
}

const READ = [{ action: 'admin::webhooks.read', subject: null }];
const UPDATE = [{ action: 'admin::webhooks.update', subject: null }];

/** The webhook's events with the room events added or removed. */
export function withRoomEvents(events: string[], on: boolean): string[] {
  const others = events.filter((event) => !ROOM_EVENT_NAMES.includes(event));
  return on ? [...others, ...ROOM_EVENT_NAMES] : others;
}

export function RoomEventsSection() {
  const t = useT();
  const { get, put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const {
    isLoading,
    allowedActions: { canRead, canUpdate },
  } = useRBAC([...READ, ...UPDATE]);
  const [webhooks, setWebhooks] = React.useState<Webhook[] | null>(null);
  const [busy, setBusy] = React.useState<Webhook['id'] | null>(null);

  React.useEffect(() => {
    if (isLoading || !canRead) return;
    get<{ data: Webhook[] }>('/admin/webhooks')
      .then(({ data }) => setWebhooks(data.data))
      .catch((error: unknown) =>
        toggleNotification({
          type: 'danger',
          message: isFetchError(error) ? formatAPIError(error) : String(error),
        })
      );
  }, [get, isLoading, canRead, toggleNotification, formatAPIError]);

  const toggle = async (webhook: Webhook, on: boolean) => {
    setBusy(webhook.id);
    try {
      const { data } = await put<{ data: Webhook }>(`/admin/webhooks/${webhook.id}`, {
        name: webhook.name,
        url: webhook.url,
        headers: webhook.headers,
        isEnabled: webhook.isEnabled,
        events: withRoomEvents(webhook.events, on),
      });
      setWebhooks((current) =>
        (current ?? []).map((item) => (item.id === webhook.id ? data.data : item))
      );
    } catch (error) {
      toggleNotification({
        type: 'danger',
        message: isFetchError(error) ? formatAPIError(error) : String(error),
      });
    } finally {
      setBusy(null);
    }
  };

  let body: React.ReactNode;
  if (isLoading) body = null;
  else if (!canRead) {
    body = (
      <Typography variant="omega" textColor="neutral600">
        {t('settings.events.noAccess', 'You may not see the webhooks of this site.')}
      </Typography>
    );
  } else if (webhooks && webhooks.length === 0) {
    body = (
      <Typography variant="omega" textColor="neutral600">
        {t(
          'settings.events.none',
          'No webhook yet: create one under Settings → Webhooks, then tick it here.'
        )}
      </Typography>
    );
  } else {
    body = (
      <Flex direction="column" alignItems="stretch" gap={2}>
        {(webhooks ?? []).map((webhook) => {
          const count = ROOM_EVENT_NAMES.filter((event) => webhook.events.includes(event)).length;
          return (
            <Checkbox
              key={webhook.id}
              name={`roomEvents.${webhook.id}`}
              checked={
                count === 0 ? false : count === ROOM_EVENT_NAMES.length ? true : 'indeterminate'
              }
              disabled={!canUpdate || busy === webhook.id}
              onCheckedChange={(checked: boolean | 'indeterminate') =>
                void toggle(webhook, checked === true)
              }
            >
              {t('settings.events.webhook', '{name} ({url})', {
                name: webhook.name,
                url: webhook.url,
              })}
            </Checkbox>
          );
        })}
      </Flex>
    );
  }

  return (
    <Section
      title={t('settings.events.title', 'Room events')}
      description={t(
        'settings.events.description',
        'Webhooks ticked here receive iflychat-room.created, .updated, .deleted and .failed, once the room id is saved: rebuild a static front end when a room is ready.'
      )}
    >
      {body}
    </Section>
  );
}
