/**
 * The Content Manager edit view's "iFlyChat room" side panel: the entry's room id and the state of
 * its room job, kept fresh while the job runs, with the actions of `rooms.manage`.
 *
 * Strapi renders a side panel as a component that returns `{ title, content }` (or null to show
 * nothing), so the panel may use hooks; `content` is rendered in the edit view's side bar.
 */
import * as React from 'react';
import { Button, Flex, Typography } from '@strapi/design-system';
import { useQueryParams, useRBAC } from '@strapi/strapi/admin';

import type { RoomStatus, RoomTarget } from '../../../../contracts/rooms';
import { PERMISSIONS } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { RoomActions } from './RoomActions';
import { RoomModeration } from './RoomModeration';
import { StatusDetails } from './StatusDetails';
import { useRoomStatus } from './useRoomStatus';

/** The part of a Content Manager document the panel reads. */
interface PanelDocument {
  documentId?: string;
  locale?: string | null;
  status?: string;
  updatedAt?: string | null;
  publishedAt?: string | null;
}

interface PanelMeta {
  availableStatus?: Array<{ updatedAt?: string | null; publishedAt?: string | null }>;
}

/** What the Content Manager passes to every edit view side panel. */
export interface RoomPanelProps {
  activeTab: 'draft' | 'published' | null;
  collectionType: string;
  /** Undefined while creating an entry, while cloning one, and while the entry loads. */
  document?: PanelDocument;
  documentId?: string;
  meta?: PanelMeta;
  model: string;
}

interface RoomPanelDescription {
  title: string;
  content: React.ReactNode;
}

// A constant, so that useRBAC checks it once. `rooms.manage` comes back as `canManage`,
// `rooms.link-any` as `canLinkAny`, `chat.moderate` as `canModerate`.
const ROOM_ACTIONS = [
  { action: PERMISSIONS.manageRooms, subject: null },
  { action: PERMISSIONS.linkAnyRoom, subject: null },
  { action: PERMISSIONS.moderate, subject: null },
];

interface LocaleQuery {
  plugins?: { i18n?: { locale?: string } };
}

/**
 * Changes whenever the entry is saved, published or unpublished, whichever tab is shown: the
 * panel then looks at the room again.
 */
function versionOf(document: PanelDocument | undefined, meta: PanelMeta | undefined): string {
  const others = (meta?.availableStatus ?? []).map((s) => [s.updatedAt, s.publishedAt]);
  return JSON.stringify([document?.updatedAt, document?.publishedAt, document?.status, others]);
}

function RoomPanelContent({
  title,
  target,
  status,
  canManage,
  canLinkAny,
  canModerate,
  onStatus,
}: {
  title: string;
  target: RoomTarget;
  status: RoomStatus;
  canManage: boolean;
  canLinkAny: boolean;
  canModerate: boolean;
  onStatus: (status: RoomStatus) => void;
}) {
  const roomId = status.link?.roomId;
  return (
    <Flex
      direction="column"
      alignItems="stretch"
      gap={4}
      width="100%"
      role="region"
      aria-label={title}
    >
      <StatusDetails status={status} />
      {canManage && (
        <RoomActions target={target} status={status} canLinkAny={canLinkAny} onStatus={onStatus} />
      )}
      {canModerate && roomId && <RoomModeration roomId={roomId} />}
    </Flex>
  );
}

function LoadError({
  title,
  message,
  onRetry,
}: {
  title: string;
  message: string;
  onRetry: () => void;
}) {
  const t = useT();
  return (
    <Flex direction="column" alignItems="flex-start" gap={2} role="region" aria-label={title}>
      <Typography variant="pi" textColor="danger600" role="alert">
        {t('roomPanel.loadError', 'The room could not be loaded: {message}', { message })}
      </Typography>
      <Button type="button" variant="tertiary" size="S" onClick={onRetry}>
        {t('roomPanel.reload', 'Try again')}
      </Button>
    </Flex>
  );
}

export function RoomPanel({
  document,
  documentId,
  model,
  meta,
}: RoomPanelProps): RoomPanelDescription | null {
  const t = useT();
  const [{ query }] = useQueryParams<LocaleQuery>();
  const id = document ? (documentId ?? document.documentId) : undefined;
  const locale = document?.locale ?? query.plugins?.i18n?.locale ?? null;
  const target = React.useMemo<RoomTarget | null>(
    () => (id ? { uid: model, documentId: id, locale } : null),
    [model, id, locale]
  );
  const { state, refresh, replace } = useRoomStatus(target, versionOf(document, meta));
  const {
    allowedActions: { canManage, canLinkAny, canModerate },
  } = useRBAC(ROOM_ACTIONS);
  const retryLoad = React.useCallback(() => void refresh(), [refresh]);

  if (!target) return null;
  const title = t('roomPanel.title', 'iFlyChat room');
  if (state.kind === 'error') {
    return {
      title,
      content: <LoadError title={title} message={state.message} onRetry={retryLoad} />,
    };
  }
  // Nothing while the first answer is on its way: unbound types would flash a panel otherwise.
  if (state.kind !== 'ready') return null;
  return {
    title,
    content: (
      <RoomPanelContent
        title={title}
        target={target}
        status={state.status}
        canManage={canManage}
        canLinkAny={canLinkAny}
        canModerate={canModerate}
        onStatus={replace}
      />
    ),
  };
}
