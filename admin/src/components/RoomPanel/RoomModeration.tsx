/**
 * The room panel's moderation part, for admins with `chat.moderate` (the panel renders it only
 * for them): who is online in the room with Kick and Ban, the last messages, Export transcript
 * (JSON or CSV, a date range) and Clear history. Every action asks first where it cannot be
 * undone; the server checks the permission again and records each action in the moderation log.
 */
import * as React from 'react';
import {
  Box,
  Button,
  Checkbox,
  Field,
  Flex,
  SingleSelect,
  SingleSelectOption,
  TextInput,
  Typography,
} from '@strapi/design-system';
import { useAPIErrorHandler, useFetchClient, useNotification } from '@strapi/strapi/admin';

import type { ChatMessageView, ChatUserView } from '../../../../contracts/moderation';
import { useT } from '../../utils/translate';
import { ConfirmedAction } from './RoomActions';

const LAST_MESSAGES = 10;

interface Loaded {
  users: ChatUserView[];
  messages: ChatMessageView[];
}

/** Runs moderation calls with a notification for each outcome. */
function useModerationCalls(reload: () => void) {
  const t = useT();
  const { get, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [busy, setBusy] = React.useState<string | null>(null);

  const run = async (key: string, call: () => Promise<unknown>, done: string) => {
    setBusy(key);
    try {
      await call();
      toggleNotification({ type: 'success', message: done });
      reload();
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(null);
    }
  };

  const exportTranscript = async (roomId: string, range: Range) => {
    setBusy('export');
    try {
      const query = new URLSearchParams({ roomId, format: range.format });
      if (range.from) query.set('from', range.from);
      if (range.to) query.set('to', range.to);
      const { data } = await get(`/iflychat/moderation/transcript?${query.toString()}`, {
        responseType: 'blob',
      });
      const url = URL.createObjectURL(data);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `iflychat-room-${roomId}-transcript.${range.format}`;
      anchor.click();
      URL.revokeObjectURL(url);
      toggleNotification({
        type: 'success',
        message: t('moderation.transcript.done', 'Transcript exported'),
      });
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, run, post, exportTranscript };
}

interface Range {
  from: string;
  to: string;
  format: 'json' | 'csv';
}

/**
 * Ban, after a confirmation: here and on the Chat users page. The dialog offers to ban the
 * user's IP address too (iFlyChat's `ip/{userId}/ban`: any chat user from that address).
 */
export function BanButton(props: {
  name: string;
  disabled: boolean;
  loading: boolean;
  fullWidth?: boolean;
  onConfirm: (banIp: boolean) => void;
}) {
  const t = useT();
  const [banIp, setBanIp] = React.useState(false);
  return (
    <ConfirmedAction
      variant="danger-light"
      fullWidth={props.fullWidth}
      label={t('moderation.ban.button', 'Ban')}
      title={t('moderation.ban.title', 'Ban {name}?', { name: props.name })}
      body={
        <Flex direction="column" alignItems="stretch" gap={3}>
          <Typography>
            {t(
              'moderation.ban.body',
              '{name} is kept out of every room of the site until unbanned (Chat users page).',
              { name: props.name }
            )}
          </Typography>
          <Checkbox
            name="banIp"
            checked={banIp}
            onCheckedChange={(checked: boolean | 'indeterminate') => setBanIp(checked === true)}
          >
            {t(
              'moderation.ban.ip',
              'Also ban their IP address (every chat user from it, until the IP is unbanned)'
            )}
          </Checkbox>
        </Flex>
      }
      confirmLabel={t('moderation.ban.confirm', 'Ban')}
      disabled={props.disabled}
      loading={props.loading}
      onConfirm={() => props.onConfirm(banIp)}
    />
  );
}

function OnlineUsers(props: {
  users: ChatUserView[];
  busy: string | null;
  onKick: (user: ChatUserView) => void;
  onBan: (user: ChatUserView, banIp: boolean) => void;
}) {
  const t = useT();
  if (props.users.length === 0) {
    return (
      <Typography variant="pi" textColor="neutral600">
        {t('moderation.online.none', 'Nobody is online in this room.')}
      </Typography>
    );
  }
  return (
    <Flex
      direction="column"
      alignItems="stretch"
      gap={2}
      tag="ul"
      aria-label={t('moderation.online.title', 'Online in this room')}
    >
      {props.users.map((user) => (
        <Flex key={user.userId} tag="li" direction="column" alignItems="stretch" gap={1}>
          <Typography variant="omega" fontWeight="semiBold">
            {user.name || user.userId}
          </Typography>
          <Flex gap={1}>
            <ConfirmedAction
              variant="tertiary"
              label={t('moderation.kick.button', 'Kick')}
              title={t('moderation.kick.title', 'Kick {name}?', { name: user.name })}
              body={t(
                'moderation.kick.body',
                'iFlyChat removes {name} from the chat for about 15 minutes.',
                { name: user.name }
              )}
              confirmLabel={t('moderation.kick.confirm', 'Kick')}
              disabled={props.busy !== null}
              loading={props.busy === `kick ${user.userId}`}
              onConfirm={() => props.onKick(user)}
            />
            <BanButton
              name={user.name}
              disabled={props.busy !== null}
              loading={props.busy === `ban ${user.userId}`}
              onConfirm={(banIp) => props.onBan(user, banIp)}
            />
          </Flex>
        </Flex>
      ))}
    </Flex>
  );
}

function LastMessages({ messages }: { messages: ChatMessageView[] }) {
  const t = useT();
  if (messages.length === 0) {
    return (
      <Typography variant="pi" textColor="neutral600">
        {t('moderation.messages.none', 'No messages yet.')}
      </Typography>
    );
  }
  return (
    <Flex
      direction="column"
      alignItems="stretch"
      gap={1}
      tag="ol"
      aria-label={t('moderation.messages.title', 'Last messages')}
    >
      {messages.map((message) => (
        <Box key={message.messageId || `${message.time}-${message.fromId}`} tag="li">
          <Typography variant="pi" fontWeight="semiBold">
            {message.fromName}{' '}
          </Typography>
          <Typography variant="pi" textColor="neutral600">
            {new Date(message.time).toLocaleString()}
          </Typography>
          <Typography variant="pi" tag="p">
            {message.message}
          </Typography>
        </Box>
      ))}
    </Flex>
  );
}

function TranscriptForm(props: { busy: boolean; onExport: (range: Range) => void }) {
  const t = useT();
  const [range, setRange] = React.useState<Range>({ from: '', to: '', format: 'csv' });
  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <Field.Root name="transcriptFrom">
        <Field.Label>{t('moderation.transcript.from', 'From (date)')}</Field.Label>
        <TextInput
          type="date"
          value={range.from}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) =>
            setRange({ ...range, from: e.target.value })
          }
        />
      </Field.Root>
      <Field.Root name="transcriptTo">
        <Field.Label>{t('moderation.transcript.to', 'To (date)')}</Field.Label>
        <TextInput
          type="date"
          value={range.to}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) =>
            setRange({ ...range, to: e.target.value })
          }
        />
      </Field.Root>
      <Field.Root name="transcriptFormat">
        <Field.Label>{t('moderation.transcript.format', 'Format')}</Field.Label>
        <SingleSelect
          value={range.format}
          onChange={(value: string | number) =>
            setRange({ ...range, format: value === 'json' ? 'json' : 'csv' })
          }
        >
          <SingleSelectOption value="csv">CSV</SingleSelectOption>
          <SingleSelectOption value="json">JSON</SingleSelectOption>
        </SingleSelect>
      </Field.Root>
      <Button
        type="button"
        variant="secondary"
        size="S"
        fullWidth
        loading={props.busy}
        onClick={() => props.onExport(range)}
      >
        {t('moderation.transcript.button', 'Export transcript')}
      </Button>
    </Flex>
  );
}

export function RoomModeration({ roomId }: { roomId: string }) {
  const t = useT();
  const { get } = useFetchClient();
  const [loaded, setLoaded] = React.useState<Loaded | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const { formatAPIError } = useAPIErrorHandler();

  const load = React.useCallback(async () => {
    try {
      const [users, messages] = await Promise.all([
        get<{ data: ChatUserView[] }>(`/iflychat/moderation/room-users?roomId=${roomId}`),
        get<{ data: ChatMessageView[] }>(
          `/iflychat/moderation/history?roomId=${roomId}&limit=${LAST_MESSAGES}`
        ),
      ]);
      setLoaded({ users: users.data.data, messages: messages.data.data });
      setError(null);
    } catch (failure) {
      setError(formatAPIError(failure as never));
    }
  }, [get, roomId, formatAPIError]);
  React.useEffect(() => void load(), [load]);
  const { busy, run, post, exportTranscript } = useModerationCalls(() => void load());

  const title = t('moderation.title', 'Moderation');
  return (
    <Flex direction="column" alignItems="stretch" gap={3} role="region" aria-label={title}>
      <Typography variant="sigma" textColor="neutral600">
        {title}
      </Typography>
      {error && (
        <Typography variant="pi" textColor="danger600" role="alert">
          {error}
        </Typography>
      )}
      <Typography variant="delta" tag="h3">
        {t('moderation.online.title', 'Online in this room')}
      </Typography>
      {loaded && (
        <OnlineUsers
          users={loaded.users}
          busy={busy}
          onKick={(user) =>
            void run(
              `kick ${user.userId}`,
              () => post('/iflychat/moderation/kick', { userId: user.userId }),
              t('moderation.kick.done', '{name} was kicked', { name: user.name })
            )
          }
          onBan={(user, banIp) =>
            void run(
              `ban ${user.userId}`,
              () => post('/iflychat/moderation/ban', { userId: user.userId, banIp }),
              t('moderation.ban.done', '{name} was banned', { name: user.name })
            )
          }
        />
      )}
      <Typography variant="delta" tag="h3">
        {t('moderation.messages.title', 'Last messages')}
      </Typography>
      {loaded && <LastMessages messages={loaded.messages} />}
      <TranscriptForm
        busy={busy === 'export'}
        onExport={(range) => void exportTranscript(roomId, range)}
      />
      <ConfirmedAction
        variant="danger-light"
        label={t('moderation.clear.button', 'Clear history')}
        title={t('moderation.clear.title', 'Clear the history of room {roomId}?', { roomId })}
        body={t(
          'moderation.clear.body',
          'Every message of this room is deleted in iFlyChat. This cannot be undone.'
        )}
        confirmLabel={t('moderation.clear.confirm', 'Clear history')}
        disabled={busy !== null}
        loading={busy === 'clear'}
        onConfirm={() =>
          void run(
            'clear',
            () => post('/iflychat/moderation/clear', { roomId }),
            t('moderation.clear.done', 'The history was cleared')
          )
        }
      />
    </Flex>
  );
}
