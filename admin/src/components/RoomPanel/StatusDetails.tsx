import type { ReactNode } from 'react';
import { Badge, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';

import type { RoomJobView, RoomStatus } from '../../../../contracts/rooms';
import { useT } from '../../utils/translate';
import { toneOf } from './state';

/** The status as words (never colour alone): what the job is doing, or how it ended. */
function useStatusLabel() {
  const t = useT();
  return (status: RoomStatus): string => {
    const { link } = status;
    if (!link) {
      if (status.chatOff) return t('roomPanel.status.chatOff', 'Chat off');
      return status.published
        ? t('roomPanel.status.none', 'No room')
        : t('roomPanel.status.notPublished', 'Not published');
    }
    const busy = link.status === 'pending' || link.status === 'processing';
    if (link.operation === 'delete') {
      if (link.status === 'failed') return t('roomPanel.status.deleteFailed', 'Deleting failed');
      if (link.status === 'created') return t('roomPanel.status.deleted', 'Deleted');
      return t('roomPanel.status.deleting', 'Deleting room…');
    }
    if (link.operation === 'recreate' && (busy || link.status === 'retrying')) {
      return t('roomPanel.status.recreating', 'Recreating room…');
    }
    switch (link.status) {
      case 'pending':
      case 'processing':
        return link.roomId
          ? t('roomPanel.status.working', 'Working…')
          : t('roomPanel.status.creating', 'Creating…');
      case 'retrying':
        return t('roomPanel.status.retrying', 'Retrying');
      case 'failed':
        return t('roomPanel.status.failed', 'Failed');
      case 'created':
        return t('roomPanel.status.created', 'Created');
      default:
        return t('roomPanel.status.none', 'No room');
    }
  };
}

/** Why the last attempt failed, as a sentence naming what was being done. */
function FailureReason({ link }: { link: RoomJobView }) {
  const t = useT();
  if (!link.lastError || link.status === 'created') return null;
  const reason = link.lastError;
  let text: string;
  if (link.operation === 'delete') {
    text = t('roomPanel.error.delete', 'Deleting the room failed: {reason}', { reason });
  } else if (link.operation === 'recreate') {
    text = t('roomPanel.error.recreate', 'Recreating the room failed: {reason}', { reason });
  } else if (link.status === 'failed') {
    text = t('roomPanel.error.failed', 'Reason: {reason}', { reason });
  } else {
    text = t('roomPanel.error.lastAttempt', 'Last attempt: {reason}', { reason });
  }
  return (
    <Typography
      variant="pi"
      textColor={link.status === 'failed' ? 'danger600' : 'neutral600'}
      data-testid="iflychat-room-reason"
    >
      {text}
    </Typography>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="sigma" textColor="neutral600" tag="dt">
        {label}
      </Typography>
      <Typography variant="omega" tag="dd" style={{ margin: 0, wordBreak: 'break-word' }}>
        {children}
      </Typography>
    </Flex>
  );
}

/** Room id, status, times and attempts of one entry's room. */
export function StatusDetails({ status }: { status: RoomStatus }) {
  const t = useT();
  const { formatDate } = useIntl();
  const label = useStatusLabel()(status);
  const { link } = status;
  const when = (iso: string) =>
    formatDate(iso, { dateStyle: 'medium', timeStyle: 'medium' }) || iso;

  return (
    <Flex direction="column" alignItems="stretch" gap={3} tag="dl" style={{ margin: 0 }}>
      <Row label={t('roomPanel.roomId', 'Room id')}>
        <span data-testid="iflychat-room-id">
          {link?.roomId ?? t('roomPanel.noRoom', 'No room yet')}
        </span>
      </Row>
      {link?.roomName && <Row label={t('roomPanel.roomName', 'Room name')}>{link.roomName}</Row>}
      <Flex direction="column" alignItems="flex-start" gap={1}>
        <Typography variant="sigma" textColor="neutral600" tag="dt">
          {t('roomPanel.status', 'Status')}
        </Typography>
        <dd style={{ margin: 0 }}>
          <Flex direction="column" alignItems="flex-start" gap={1} role="status">
            <Badge variant={toneOf(link)} size="S" data-testid="iflychat-room-status">
              {label}
            </Badge>
            {link?.status === 'retrying' && link.nextAttemptAt && (
              <Typography variant="pi" textColor="neutral600">
                {t('roomPanel.nextAttempt', 'Next attempt: {time}', {
                  time: when(link.nextAttemptAt),
                })}
              </Typography>
            )}
            {link && <FailureReason link={link} />}
            {status.chatOff && (
              <Typography variant="pi" textColor="neutral600" data-testid="iflychat-chat-off">
                {t(
                  'roomPanel.chatOffHint',
                  'Chat is off for this entry: it gets no room, and a room it had follows the unpublish policy.'
                )}
              </Typography>
            )}
            {!link && !status.published && (
              <Typography variant="pi" textColor="neutral600">
                {t('roomPanel.publishHint', 'The room is created when the entry is published.')}
              </Typography>
            )}
          </Flex>
        </dd>
      </Flex>
      {status.members && (
        <Row label={t('roomPanel.members', 'Members')}>
          <span data-testid="iflychat-room-members">
            {status.members.alsoRole
              ? t('roomPanel.membersWithRole', '{count} (and every user of the role {role})', {
                  count: status.members.count,
                  role: status.members.alsoRole,
                })
              : t('roomPanel.membersCount', '{count}', { count: status.members.count })}
          </span>
        </Row>
      )}
      {link?.syncedAt && (
        <Row label={t('roomPanel.syncedAt', 'Last sync')}>
          <time dateTime={link.syncedAt}>{when(link.syncedAt)}</time>
        </Row>
      )}
      {link && link.attempts > 1 && (
        <Row label={t('roomPanel.attempts', 'Attempts')}>{link.attempts}</Row>
      )}
    </Flex>
  );
}
