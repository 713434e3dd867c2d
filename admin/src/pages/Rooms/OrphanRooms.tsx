/**
 * Rooms in iFlyChat that no entry owns (made outside Strapi, kept after an entry was deleted or
 * unlinked), found on request (it asks iFlyChat for its room list), each with Delete for those
 * who may manage rooms. The server checks again at delete time that no entry owns the room.
 */
import * as React from 'react';
import {
  Box,
  Button,
  Dialog,
  Flex,
  Table,
  Tbody,
  Td,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { Trash } from '@strapi/icons';
import {
  ConfirmDialog,
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
} from '@strapi/strapi/admin';

import type { ListOrphans, OrphanRoom } from '../../../../contracts/rooms-page';
import { useT } from '../../utils/translate';

function DeleteOrphan({ room, onDeleted }: { room: OrphanRoom; onDeleted: () => void }) {
  const t = useT();
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [busy, setBusy] = React.useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await post('/iflychat/rooms/orphans/delete', { roomId: room.roomId });
      toggleNotification({
        type: 'success',
        message: t('rooms.orphans.deleted', 'Room {roomId} deleted', { roomId: room.roomId }),
      });
      onDeleted();
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog.Root>
      <Dialog.Trigger>
        <Button type="button" variant="danger-light" size="S" startIcon={<Trash />} loading={busy}>
          {t('rooms.orphans.delete', 'Delete')}
        </Button>
      </Dialog.Trigger>
      <ConfirmDialog
        title={t('rooms.orphans.confirmTitle', 'Delete room {roomId}?', { roomId: room.roomId })}
        endAction={
          <Dialog.Action>
            <Button type="button" fullWidth variant="danger-light" onClick={() => void remove()}>
              {t('rooms.orphans.delete', 'Delete')}
            </Button>
          </Dialog.Action>
        }
      >
        {t(
          'rooms.orphans.confirmBody',
          'The room "{name}" and its messages are deleted in iFlyChat. This cannot be undone.',
          { name: room.name }
        )}
      </ConfirmDialog>
    </Dialog.Root>
  );
}

function OrphanTable(props: { rooms: OrphanRoom[]; canManage: boolean; onDeleted: () => void }) {
  const t = useT();
  return (
    <Table colCount={4} rowCount={props.rooms.length + 1}>
      <Thead>
        <Tr>
          <Th>
            <Typography variant="sigma">{t('rooms.column.roomId', 'Room id')}</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">{t('rooms.orphans.name', 'Name')}</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">{t('rooms.orphans.role', 'Role')}</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">{t('rooms.orphans.actions', 'Actions')}</Typography>
          </Th>
        </Tr>
      </Thead>
      <Tbody>
        {props.rooms.map((room) => (
          <Tr key={room.roomId}>
            <Td>
              <Typography>{room.roomId}</Typography>
            </Td>
            <Td>
              <Typography>{room.name}</Typography>
            </Td>
            <Td>
              <Typography>
                {room.role === '0' ? t('rooms.orphans.everyone', 'Everyone') : room.role}
              </Typography>
            </Td>
            <Td>
              {props.canManage ? <DeleteOrphan room={room} onDeleted={props.onDeleted} /> : null}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

export function OrphanRooms({ canManage }: { canManage: boolean }) {
  const t = useT();
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<
    | { kind: 'idle' | 'loading' }
    | { kind: 'error'; message: string }
    | { kind: 'ready'; answer: ListOrphans.Response }
  >({ kind: 'idle' });

  const find = React.useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const { data } = await get<ListOrphans.Response>('/iflychat/rooms/orphans');
      setState({ kind: 'ready', answer: data });
    } catch (error) {
      setState({ kind: 'error', message: formatAPIError(error as never) });
    }
  }, [get, formatAPIError]);

  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between">
          <Flex direction="column" alignItems="flex-start" gap={1}>
            <Typography variant="delta" tag="h2">
              {t('rooms.orphans.title', 'Orphan rooms')}
            </Typography>
            <Typography variant="pi" textColor="neutral600">
              {t('rooms.orphans.hint', 'Rooms in iFlyChat that no entry owns.')}
            </Typography>
          </Flex>
          <Button
            type="button"
            variant="secondary"
            loading={state.kind === 'loading'}
            onClick={() => void find()}
          >
            {t('rooms.orphans.find', 'Find orphan rooms')}
          </Button>
        </Flex>
        {state.kind === 'error' ? (
          <Typography textColor="danger600">{state.message}</Typography>
        ) : null}
        {state.kind === 'ready' && state.answer.data.length === 0 ? (
          <Typography>
            {t('rooms.orphans.none', 'Every room in iFlyChat ({total}) belongs to an entry.', {
              total: state.answer.meta.total,
            })}
          </Typography>
        ) : null}
        {state.kind === 'ready' && state.answer.data.length > 0 ? (
          <OrphanTable
            rooms={state.answer.data}
            canManage={canManage}
            onDeleted={() => void find()}
          />
        ) : null}
      </Flex>
    </Box>
  );
}
