import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  Flex,
  Grid,
  SingleSelect,
  SingleSelectOption,
  Typography,
} from '@strapi/design-system';
import { Plus, Trash } from '@strapi/icons';
import { useFetchClient } from '@strapi/strapi/admin';

import type { Binding } from '../../../../contracts/config';
import type {
  BindableContentType,
  PreviewRoomName,
  SettingsView,
  SiteRole,
} from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { SelectField, TextField, type Option } from './fields';
import {
  defaultBinding,
  flagMode,
  roleMode,
  type FlagMode,
  type FormErrors,
  type FormValues,
  type RoleMode,
} from './form';
import { BackfillControl } from './BackfillControl';
import { Section } from './Section';

interface Props {
  contentTypes: BindableContentType[];
  roles: SiteRole[];
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  /** The user may start "Create rooms for existing entries" (rooms.manage). */
  canManageRooms: boolean;
  onChange: (contentTypes: FormValues['contentTypes']) => void;
}

/** Shows the room name the template gives for the latest entry, refreshed as the user types. */
function RoomNamePreview({ uid, template }: { uid: string; template: string }) {
  const t = useT();
  const { post } = useFetchClient();
  const [preview, setPreview] = React.useState<PreviewRoomName.Response['data'] | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      post<PreviewRoomName.Response>('/iflychat/preview-room-name', { uid, roomName: template })
        .then(({ data }) => {
          if (!cancelled) setPreview(data.data);
        })
        .catch(() => {
          if (!cancelled) setPreview(null);
        });
    }, 400);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [post, uid, template]);

  if (!preview) return null;
  return (
    <Typography variant="pi" textColor="neutral600" data-testid={`preview-${uid}`}>
      {preview.preview === null
        ? t('settings.binding.previewNone', 'No entry yet to preview the name with.')
        : t('settings.binding.preview', 'Latest entry: “{name}”', { name: preview.preview })}
    </Typography>
  );
}

function BindingCard({
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
  const at = (path: string) => errors[`contentTypes.${uid}.${path}`];
  const fieldOptions = (names: string[] = []): Option[] =>
    names.map((name) => ({ value: name, label: name }));
  const mode = roleMode(binding.roomRole);
  const policyOptions: Option[] = [
    { value: 'keep', label: t('settings.policy.keep', 'Keep its room') },
    { value: 'delete', label: t('settings.policy.delete', 'Delete its room in iFlyChat') },
  ];

  const flag = (key: 'private' | 'moderate', label: string, hint: string) => {
    const current = binding[key];
    const currentMode = flagMode(current);
    return (
      <Flex direction="column" alignItems="stretch" gap={2}>
        <SelectField
          name={`contentTypes.${uid}.${key}`}
          label={label}
          hint={hint}
          value={currentMode}
          disabled={disabled}
          error={typeof current === 'object' ? undefined : at(key)}
          options={[
            { value: 'off', label: t('settings.flag.off', 'Off') },
            { value: 'on', label: t('settings.flag.on', 'On') },
            { value: 'field', label: t('settings.flag.field', 'From a boolean field') },
          ]}
          onChange={(value) => {
            const next = value as FlagMode;
            onChange({
              ...binding,
              [key]: next === 'field' ? { field: type?.booleanFields[0] ?? '' } : next === 'on',
            });
          }}
        />
        {typeof current === 'object' && (
          <SelectField
            name={`contentTypes.${uid}.${key}.field`}
            label={t('settings.binding.booleanField', 'Boolean field')}
            value={current.field}
            disabled={disabled}
            error={at(`${key}.field`) ?? at(key)}
            options={fieldOptions(type?.booleanFields)}
            onChange={(field) => onChange({ ...binding, [key]: { field } })}
          />
        )}
      </Flex>
    );
  };

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
        {at('') && (
          <Typography variant="pi" textColor="danger600">
            {at('')}
          </Typography>
        )}
        <Grid.Root gap={4}>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <TextField
              name={`contentTypes.${uid}.roomName`}
              label={t('settings.binding.roomName', 'Room name')}
              hint={t(
                'settings.binding.roomNameHint',
                'A template: {placeholders} can be {fields}, documentId or locale.',
                {
                  placeholders: '{field}',
                  fields: (type?.nameFields ?? []).join(', ') || '—',
                }
              )}
              value={binding.roomName}
              disabled={disabled}
              error={at('roomName')}
              onChange={(roomName) => onChange({ ...binding, roomName })}
            />
            <RoomNamePreview uid={uid} template={binding.roomName} />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <SelectField
              name={`contentTypes.${uid}.roomIdField`}
              label={t('settings.binding.roomIdField', 'Room id field')}
              hint={t(
                'settings.binding.roomIdFieldHint',
                'The string, integer or big integer field that receives the room id.'
              )}
              value={binding.roomIdField}
              disabled={disabled}
              error={at('roomIdField')}
              options={fieldOptions(type?.roomIdFields)}
              onChange={(roomIdField) => onChange({ ...binding, roomIdField })}
            />
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
            <Flex direction="column" alignItems="stretch" gap={2}>
              <SelectField
                name={`contentTypes.${uid}.roomRole`}
                label={t('settings.binding.roomRole', 'Who the room is for')}
                value={mode}
                disabled={disabled}
                error={mode === 'everyone' ? at('roomRole') : undefined}
                options={[
                  { value: 'everyone', label: t('settings.role.everyone', 'Everyone (role 0)') },
                  { value: 'role', label: t('settings.role.fixed', 'A fixed role') },
                  { value: 'field', label: t('settings.role.field', 'The role in a field') },
                ]}
                onChange={(value) => {
                  const next = value as RoleMode;
                  onChange({
                    ...binding,
                    roomRole:
                      next === 'everyone'
                        ? 'everyone'
                        : next === 'role'
                          ? { role: roles[0]?.type ?? '' }
                          : { field: type?.roleFields[0] ?? '' },
                  });
                }}
              />
              {typeof binding.roomRole === 'object' && 'role' in binding.roomRole && (
                <SelectField
                  name={`contentTypes.${uid}.roomRole.role`}
                  label={t('settings.binding.role', 'Role')}
                  value={binding.roomRole.role}
                  disabled={disabled}
                  error={at('roomRole.role') ?? at('roomRole')}
                  options={roles.map((role) => ({ value: role.type, label: role.name }))}
                  onChange={(role) => onChange({ ...binding, roomRole: { role } })}
                />
              )}
              {typeof binding.roomRole === 'object' && 'field' in binding.roomRole && (
                <SelectField
                  name={`contentTypes.${uid}.roomRole.field`}
                  label={t('settings.binding.roleField', 'Role field')}
                  hint={t(
                    'settings.binding.roleFieldHint',
                    'A relation to a Users & Permissions role, an enumeration or a text field holding a role type.'
                  )}
                  value={binding.roomRole.field}
                  disabled={disabled}
                  error={at('roomRole.field') ?? at('roomRole')}
                  options={fieldOptions(type?.roleFields)}
                  onChange={(field) => onChange({ ...binding, roomRole: { field } })}
                />
              )}
            </Flex>
          </Grid.Item>
          <Grid.Item col={3} s={6} direction="column" alignItems="stretch">
            {flag(
              'private',
              t('settings.binding.private', 'Private'),
              t('settings.binding.privateHint', 'Private rooms are only reachable where embedded.')
            )}
          </Grid.Item>
          <Grid.Item col={3} s={6} direction="column" alignItems="stretch">
            {flag(
              'moderate',
              t('settings.binding.moderate', 'Moderated'),
              t('settings.binding.moderateHint', 'Messages need approval.')
            )}
          </Grid.Item>
          {type?.localized && (
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <SelectField
                name={`contentTypes.${uid}.roomPer`}
                label={t('settings.binding.roomPer', 'Rooms and languages')}
                hint={t(
                  'settings.binding.roomPerHint',
                  'One room per language needs a localized room id field.'
                )}
                value={binding.roomPer}
                disabled={disabled}
                error={at('roomPer')}
                options={[
                  {
                    value: 'document',
                    label: t('settings.roomPer.document', 'One room for all languages'),
                  },
                  {
                    value: 'locale',
                    label: t('settings.roomPer.locale', 'One room per language'),
                  },
                ]}
                onChange={(value) => {
                  const roomPer = value as Binding['roomPer'];
                  const localizedIds = type.localizedRoomIdFields;
                  // Per language, offer a localized room id field at once.
                  const roomIdField =
                    roomPer === 'locale' &&
                    !localizedIds.includes(binding.roomIdField) &&
                    localizedIds[0]
                      ? localizedIds[0]
                      : binding.roomIdField;
                  onChange({ ...binding, roomPer, roomIdField });
                }}
              />
            </Grid.Item>
          )}
          <Grid.Item col={4} s={6} direction="column" alignItems="stretch">
            <SelectField
              name={`contentTypes.${uid}.onUnpublish`}
              label={t('settings.binding.onUnpublish', 'When an entry is unpublished')}
              value={binding.onUnpublish}
              disabled={disabled}
              error={at('onUnpublish')}
              options={policyOptions}
              onChange={(value) =>
                onChange({ ...binding, onUnpublish: value as Binding['onUnpublish'] })
              }
            />
          </Grid.Item>
          <Grid.Item col={4} s={6} direction="column" alignItems="stretch">
            <SelectField
              name={`contentTypes.${uid}.onDelete`}
              label={t('settings.binding.onDelete', 'When an entry is deleted')}
              value={binding.onDelete}
              disabled={disabled}
              error={at('onDelete')}
              options={policyOptions}
              onChange={(value) => onChange({ ...binding, onDelete: value as Binding['onDelete'] })}
            />
          </Grid.Item>
        </Grid.Root>
        {saved && canManageRooms && <BackfillControl uid={uid} />}
      </Flex>
    </Box>
  );
}

export function ContentTypesSection({
  contentTypes,
  roles,
  values,
  view,
  errors,
  readOnly,
  canManageRooms,
  onChange,
}: Props) {
  const t = useT();
  const [toAdd, setToAdd] = React.useState<string>('');
  const byUid = new Map(contentTypes.map((type) => [type.uid, type]));
  const bound = Object.keys(values.contentTypes);
  const available = contentTypes.filter((type) => !bound.includes(type.uid));

  const add = () => {
    const type = byUid.get(toAdd);
    if (!type) return;
    onChange({ ...values.contentTypes, [type.uid]: defaultBinding(type) });
    setToAdd('');
  };

  return (
    <Section
      title={t('settings.contentTypes.title', 'Content types')}
      description={t(
        'settings.contentTypes.description',
        'Each published entry of these content types gets its own room. Only content types with Draft & Publish are listed.'
      )}
    >
      {bound.length === 0 && (
        <Typography variant="omega" textColor="neutral600">
          {t(
            'settings.contentTypes.none',
            'No content type is bound yet: no room will be created.'
          )}
        </Typography>
      )}
      {bound.map((uid) => (
        <BindingCard
          key={uid}
          uid={uid}
          type={byUid.get(uid)}
          binding={values.contentTypes[uid]}
          roles={roles}
          errors={errors}
          readOnly={readOnly}
          locked={view.locked.contentTypes.includes(uid)}
          saved={uid in view.contentTypes}
          canManageRooms={canManageRooms}
          onChange={(binding) => onChange({ ...values.contentTypes, [uid]: binding })}
          onRemove={() => {
            const next = { ...values.contentTypes };
            delete next[uid];
            onChange(next);
          }}
        />
      ))}
      {!readOnly && available.length > 0 && (
        <Flex gap={2} alignItems="flex-end">
          <Box minWidth="280px">
            <SingleSelect
              aria-label={t('settings.contentTypes.pick', 'Content type to bind')}
              placeholder={t('settings.contentTypes.pick', 'Content type to bind')}
              value={toAdd || undefined}
              onChange={(value: string | number) => setToAdd(String(value))}
            >
              {available.map((type) => (
                <SingleSelectOption key={type.uid} value={type.uid}>
                  {type.displayName}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Box>
          <Button variant="secondary" startIcon={<Plus />} disabled={!toAdd} onClick={add}>
            {t('settings.contentTypes.add', 'Bind content type')}
          </Button>
        </Flex>
      )}
    </Section>
  );
}
