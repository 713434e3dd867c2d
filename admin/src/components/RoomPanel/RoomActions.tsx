import * as React from 'react';
import { Button, Dialog, Flex } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import {
  ConfirmDialog,
  isFetchError,
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
} from '@strapi/strapi/admin';

import type { RoomStatus, RoomTarget } from '../../../../contracts/rooms';
import { useT } from '../../utils/translate';
import { LinkRoomDialog } from './LinkRoomDialog';
import { availableActions, fieldErrors, type RoomAction } from './state';

interface ActionResponse {
  data: RoomStatus;
}

/** A button that asks before doing something that cannot be undone. */
export function ConfirmedAction({
  variant,
  label,
  title,
  body,
  confirmLabel,
  disabled,
  loading,
  onConfirm,
  fullWidth = true,
}: {
  variant: 'danger-light' | 'tertiary';
  label: string;
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  disabled: boolean;
  loading: boolean;
  onConfirm: () => void;
  fullWidth?: boolean;
}) {
  const [open, setOpen] = React.useState(false);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger>
        <Button
          type="button"
          variant={variant}
          size="S"
          fullWidth={fullWidth}
          disabled={disabled}
          loading={loading}
        >
          {label}
        </Button>
      </Dialog.Trigger>
      <ConfirmDialog
        title={title}
        endAction={
          <Dialog.Action>
            <Button type="button" fullWidth variant="danger-light" onClick={onConfirm}>
              {confirmLabel}
            </Button>
          </Dialog.Action>
        }
      >
        {body}
      </ConfirmDialog>
    </Dialog.Root>
  );
}

/** The actions of an editor with `rooms.manage` on one entry's room. */
export function RoomActions({
  target,
  status,
  canLinkAny,
  onStatus,
}: {
  target: RoomTarget;
  status: RoomStatus;
  /** The `rooms.link-any` permission: Link takes any room no entry owns, not only this entry's. */
  canLinkAny: boolean;
  onStatus: (status: RoomStatus) => void;
}) {
  const t = useT();
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [running, setRunning] = React.useState<RoomAction | null>(null);

  /** Runs one action; resolves to the field errors of a refused request (empty otherwise). */
  const run = async (
    action: RoomAction,
    success: string,
    extra: Record<string, string> = {}
  ): Promise<Record<string, string>> => {
    setRunning(action);
    try {
      const { data } = await post<ActionResponse>(`/iflychat/rooms/${action}`, {
        uid: target.uid,
        documentId: target.documentId,
        ...(target.locale ? { locale: target.locale } : {}),
        ...extra,
      });
      onStatus(data.data);
      toggleNotification({ type: 'success', message: success });
      return {};
    } catch (error) {
      const message = isFetchError(error) ? formatAPIError(error) : String(error);
      toggleNotification({ type: 'danger', message });
      const errors = isFetchError(error) ? fieldErrors(error.response?.data.error.details) : {};
      return Object.keys(errors).length > 0 ? errors : { '': message };
    } finally {
      setRunning(null);
    }
  };

  const actions = availableActions(status);
  if (actions.length === 0) return null;
  const busy = running !== null;

  return (
    <Flex direction="column" alignItems="stretch" gap={2} width="100%">
      {actions.includes('retry') && (
        <Button
          type="button"
          variant="secondary"
          size="S"
          fullWidth
          startIcon={<ArrowClockwise />}
          disabled={busy}
          loading={running === 'retry'}
          onClick={() =>
            void run('retry', t('roomPanel.retry.done', 'The room job was queued again'))
          }
        >
          {t('roomPanel.retry.button', 'Retry now')}
        </Button>
      )}
      {actions.includes('link') && (
        <LinkRoomDialog
          disabled={busy}
          anyRoom={canLinkAny}
          onLink={(roomId) =>
            run('link', t('roomPanel.link.done', 'The room is linked to this entry'), { roomId })
          }
        />
      )}
      {actions.includes('recreate') && (
        <ConfirmedAction
          variant="danger-light"
          label={t('roomPanel.recreate.button', 'Recreate')}
          title={t('roomPanel.recreate.title', 'Recreate the room?')}
          body={t(
            'roomPanel.recreate.body',
            'The room {roomId} is deleted in iFlyChat, with its messages, and a new room is created for this entry.',
            { roomId: status.link?.roomId ?? '' }
          )}
          confirmLabel={t('roomPanel.recreate.confirm', 'Delete and recreate')}
          disabled={busy}
          loading={running === 'recreate'}
          onConfirm={() =>
            void run('recreate', t('roomPanel.recreate.done', 'The room will be recreated'))
          }
        />
      )}
      {actions.includes('unlink') && (
        <ConfirmedAction
          variant="tertiary"
          label={t('roomPanel.unlink.button', 'Unlink')}
          title={t('roomPanel.unlink.title', 'Unlink the room?')}
          body={t(
            'roomPanel.unlink.body',
            'This entry forgets the room {roomId}. The room itself stays in iFlyChat: delete it there if you no longer need it.',
            { roomId: status.link?.roomId ?? '' }
          )}
          confirmLabel={t('roomPanel.unlink.confirm', 'Unlink')}
          disabled={busy}
          loading={running === 'unlink'}
          onConfirm={() => void run('unlink', t('roomPanel.unlink.done', 'The room is unlinked'))}
        />
      )}
    </Flex>
  );
}
