/** One bound content type on the settings page: its fields, laid out, and its backfill. */
import { Badge, Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { Trash } from '@strapi/icons';

import type { Binding } from '../../../../../contracts/config';
import type { BindableContentType, SiteRole } from '../../../../../contracts/settings';
import { useT } from '../../../utils/translate';
import { BackfillControl } from '../BackfillControl';
import type { FormErrors } from '../form';
import {
  ChatField,
  FlagField,
  PolicyField,
  RoomIdField,
  RoomNameField,
  RoomPerField,
  RoomRoleField,
  type BindingFieldProps,
} from './fields';

export function BindingCard({
  type,
  uid,
  binding,
  roles,
  errors,
  readOnly,
  locked,
  saved,
  canManageRooms,
  onChange,
  onRemove,
}: {
  type: BindableContentType | undefined;
  uid: string;
  binding: Binding;
  roles: SiteRole[];
  errors: FormErrors;
  readOnly: boolean;
  locked: boolean;
  /** The binding is in force (saved), so entries can be backfilled. */
  saved: boolean;
  canManageRooms: boolean;
  onChange: (binding: Binding) => void;
  onRemove: () => void;
}) {
  const t = useT();
  const disabled = readOnly || locked;
  const errorAt = (path: string) => errors[`contentTypes.${uid}.${path}`];
  const field: BindingFieldProps = { uid, binding, type, disabled, errorAt, onChange };

  return (
    <Box
      padding={5}
      hasRadius
      borderColor="neutral200"
      background="neutral100"
      data-testid={`binding-${uid}`}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between" alignItems="center">
          <Flex gap={2} alignItems="center">
            <Typography variant="delta" tag="h3">
              {type?.displayName ?? uid}
            </Typography>
            <Typography variant="pi" textColor="neutral600">
              {uid}
            </Typography>
            {locked && <Badge>{t('settings.binding.lockedBadge', 'config/plugins.ts')}</Badge>}
          </Flex>
          {!disabled && (
            <Button variant="danger-light" size="S" startIcon={<Trash />} onClick={onRemove}>
              {t('settings.binding.remove', 'Remove')}
            </Button>
          )}
        </Flex>
        {errorAt('') && (
          <Typography variant="pi" textColor="danger600">
            {errorAt('')}
          </Typography>
        )}
        <Grid.Root gap={4}>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <RoomNameField {...field} />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <RoomIdField {...field} />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <RoomRoleField {...field} roles={roles} />
          </Grid.Item>
          <Grid.Item col={3} s={6} direction="column" alignItems="stretch">
            <FlagField
              {...field}
              flag="private"
              label={t('settings.binding.private', 'Private')}
              hint={t(
                'settings.binding.privateHint',
                'Private rooms are only reachable where embedded.'
              )}
            />
          </Grid.Item>
          <Grid.Item col={3} s={6} direction="column" alignItems="stretch">
            <FlagField
              {...field}
              flag="moderate"
              label={t('settings.binding.moderate', 'Moderated')}
              hint={t('settings.binding.moderateHint', 'Messages need approval.')}
            />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <ChatField {...field} />
          </Grid.Item>
          {type?.localized && (
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <RoomPerField {...field} />
            </Grid.Item>
          )}
          <Grid.Item col={4} s={6} direction="column" alignItems="stretch">
            <PolicyField
              {...field}
              policy="onUnpublish"
              label={t('settings.binding.onUnpublish', 'When an entry is unpublished')}
            />
          </Grid.Item>
          <Grid.Item col={4} s={6} direction="column" alignItems="stretch">
            <PolicyField
              {...field}
              policy="onDelete"
              label={t('settings.binding.onDelete', 'When an entry is deleted')}
            />
          </Grid.Item>
        </Grid.Root>
        {saved && canManageRooms && <BackfillControl uid={uid} />}
      </Flex>
    </Box>
  );
}
