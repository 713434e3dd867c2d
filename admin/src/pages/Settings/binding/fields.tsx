/**
 * The fields of one content type's binding, one small component each. They share the same props:
 * the binding, its content type's attributes, whether the card is editable, its errors, and a
 * callback with the changed binding.
 */
import * as React from 'react';
import { Flex, Typography } from '@strapi/design-system';
import { useFetchClient } from '@strapi/strapi/admin';

import type { Binding } from '../../../../../contracts/config';
import type {
  BindableContentType,
  PreviewRoomName,
  SiteRole,
} from '../../../../../contracts/settings';
import { useT } from '../../../utils/translate';
import { SelectField, TextField, type Option } from '../fields';
import { flagMode, roleMode, type FlagMode, type RoleMode } from '../form';

export interface BindingFieldProps {
  uid: string;
  binding: Binding;
  type: BindableContentType | undefined;
  disabled: boolean;
  /** The error of a path inside this binding (`''` for the binding itself). */
  errorAt: (path: string) => string | undefined;
  onChange: (binding: Binding) => void;
}

export const fieldOptions = (names: string[] = []): Option[] =>
  names.map((name) => ({ value: name, label: name }));

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

export function RoomNameField({
  uid,
  binding,
  type,
  disabled,
  errorAt,
  onChange,
}: BindingFieldProps) {
  const t = useT();
  return (
    <>
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
        error={errorAt('roomName')}
        onChange={(roomName) => onChange({ ...binding, roomName })}
      />
      <RoomNamePreview uid={uid} template={binding.roomName} />
    </>
  );
}

export function RoomIdField({
  uid,
  binding,
  type,
  disabled,
  errorAt,
  onChange,
}: BindingFieldProps) {
  const t = useT();
  return (
    <SelectField
      name={`contentTypes.${uid}.roomIdField`}
      label={t('settings.binding.roomIdField', 'Room id field')}
      hint={t(
        'settings.binding.roomIdFieldHint',
        'The string, integer or big integer field that receives the room id.'
      )}
      value={binding.roomIdField}
      disabled={disabled}
      error={errorAt('roomIdField')}
      options={fieldOptions(type?.roomIdFields)}
      onChange={(roomIdField) => onChange({ ...binding, roomIdField })}
    />
  );
}

/** Who the room is for: everyone, a fixed role, or the role in a field of the entry. */
export function RoomRoleField({
  uid,
  binding,
  type,
  disabled,
  errorAt,
  onChange,
  roles,
}: BindingFieldProps & { roles: SiteRole[] }) {
  const t = useT();
  const mode = roleMode(binding.roomRole);
  const source = binding.roomRole;
  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <SelectField
        name={`contentTypes.${uid}.roomRole`}
        label={t('settings.binding.roomRole', 'Who the room is for')}
        value={mode}
        disabled={disabled}
        error={mode === 'everyone' ? errorAt('roomRole') : undefined}
        options={[
          { value: 'everyone', label: t('settings.role.everyone', 'Everyone (role 0)') },
          { value: 'role', label: t('settings.role.fixed', 'A fixed role') },
          { value: 'field', label: t('settings.role.field', 'The role in a field') },
          // Offered where the type has a relation that can list users (or is already set).
          ...(type?.memberFields.length || mode === 'members'
            ? [
                {
                  value: 'members',
                  label: t('settings.role.members', 'The members listed in a relation to users'),
                },
              ]
            : []),
        ]}
        onChange={(value) => {
          const next = value as RoleMode;
          onChange({ ...binding, roomRole: roleSourceFor(next, roles, type) });
        }}
      />
      {typeof source === 'object' && 'role' in source && (
        <SelectField
          name={`contentTypes.${uid}.roomRole.role`}
          label={t('settings.binding.role', 'Role')}
          value={source.role}
          disabled={disabled}
          error={errorAt('roomRole.role') ?? errorAt('roomRole')}
          options={roles.map((role) => ({ value: role.type, label: role.name }))}
          onChange={(role) => onChange({ ...binding, roomRole: { role } })}
        />
      )}
      {typeof source === 'object' && 'field' in source && (
        <SelectField
          name={`contentTypes.${uid}.roomRole.field`}
          label={t('settings.binding.roleField', 'Role field')}
          hint={t(
            'settings.binding.roleFieldHint',
            'A relation to a Users & Permissions role, an enumeration or a text field holding a role type.'
          )}
          value={source.field}
          disabled={disabled}
          error={errorAt('roomRole.field') ?? errorAt('roomRole')}
          options={fieldOptions(type?.roleFields)}
          onChange={(field) => onChange({ ...binding, roomRole: { field } })}
        />
      )}
      {typeof source === 'object' && 'members' in source && (
        <MembersFields
          uid={uid}
          source={source}
          type={type}
          roles={roles}
          disabled={disabled}
          errorAt={errorAt}
          onChange={(roomRole) => onChange({ ...binding, roomRole })}
        />
      )}
    </Flex>
  );
}

/** The room role a newly chosen mode starts with. */
function roleSourceFor(
  mode: RoleMode,
  roles: SiteRole[],
  type: BindingFieldProps['type']
): Binding['roomRole'] {
  if (mode === 'everyone') return 'everyone';
  if (mode === 'role') return { role: roles[0]?.type ?? '' };
  if (mode === 'members') return { members: type?.memberFields[0] ?? '' };
  return { field: type?.roleFields[0] ?? '' };
}

type MembersSource = { members: string; alsoRole?: string };

/** A members-only room: the relation that lists its users, and a role let in besides them. */
function MembersFields({
  uid,
  source,
  type,
  roles,
  disabled,
  errorAt,
  onChange,
}: Pick<BindingFieldProps, 'uid' | 'type' | 'disabled' | 'errorAt'> & {
  source: MembersSource;
  roles: SiteRole[];
  onChange: (source: MembersSource) => void;
}) {
  const t = useT();
  const { alsoRole } = source;
  return (
    <>
      <SelectField
        name={`contentTypes.${uid}.roomRole.members`}
        label={t('settings.binding.membersField', 'Members relation')}
        hint={t(
          'settings.binding.membersFieldHint',
          'A many-to-many or one-to-many relation to Users & Permissions users: only the users it lists enter the room.'
        )}
        value={source.members}
        disabled={disabled}
        error={errorAt('roomRole.members') ?? errorAt('roomRole')}
        options={fieldOptions(type?.memberFields)}
        onChange={(members) => onChange({ members, ...(alsoRole ? { alsoRole } : {}) })}
      />
      <SelectField
        name={`contentTypes.${uid}.roomRole.alsoRole`}
        label={t('settings.binding.alsoRole', 'Also let in')}
        hint={t(
          'settings.binding.alsoRoleHint',
          'Every user of this role enters all of these rooms (staff, say), member or not.'
        )}
        value={alsoRole ?? ''}
        disabled={disabled}
        error={errorAt('roomRole.alsoRole')}
        options={[
          { value: '', label: t('settings.binding.alsoRoleNone', 'No one else') },
          ...roles.map((role) => ({ value: role.type, label: role.name })),
        ]}
        onChange={(role) =>
          onChange({ members: source.members, ...(role ? { alsoRole: role } : {}) })
        }
      />
    </>
  );
}

/** Private or moderated: off, on, or from a boolean field of the entry. */
export function FlagField({
  uid,
  binding,
  type,
  disabled,
  errorAt,
  onChange,
  flag,
  label,
  hint,
}: BindingFieldProps & { flag: 'private' | 'moderate'; label: string; hint: string }) {
  const t = useT();
  const current = binding[flag];
  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <SelectField
        name={`contentTypes.${uid}.${flag}`}
        label={label}
        hint={hint}
        value={flagMode(current)}
        disabled={disabled}
        error={typeof current === 'object' ? undefined : errorAt(flag)}
        options={[
          { value: 'off', label: t('settings.flag.off', 'Off') },
          { value: 'on', label: t('settings.flag.on', 'On') },
          { value: 'field', label: t('settings.flag.field', 'From a boolean field') },
        ]}
        onChange={(value) => {
          const next = value as FlagMode;
          onChange({
            ...binding,
            [flag]: next === 'field' ? { field: type?.booleanFields[0] ?? '' } : next === 'on',
          });
        }}
      />
      {typeof current === 'object' && (
        <SelectField
          name={`contentTypes.${uid}.${flag}.field`}
          label={t('settings.binding.booleanField', 'Boolean field')}
          value={current.field}
          disabled={disabled}
          error={errorAt(`${flag}.field`) ?? errorAt(flag)}
          options={fieldOptions(type?.booleanFields)}
          onChange={(field) => onChange({ ...binding, [flag]: { field } })}
        />
      )}
    </Flex>
  );
}

/**
 * Chat per entry: every published entry has a room, or only those whose boolean field is not
 * false (an entry with the field off has none, as if unpublished).
 */
export function ChatField({ uid, binding, type, disabled, errorAt, onChange }: BindingFieldProps) {
  const t = useT();
  const current = binding.enabled;
  const { enabled: _enabled, ...always } = binding;
  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <SelectField
        name={`contentTypes.${uid}.enabled`}
        label={t('settings.binding.enabled', 'Chat')}
        hint={t(
          'settings.binding.enabledHint',
          'An entry whose field is off gets no room, as if unpublished.'
        )}
        value={typeof current === 'object' ? 'field' : 'every'}
        disabled={disabled}
        error={typeof current === 'object' ? undefined : errorAt('enabled')}
        options={[
          { value: 'every', label: t('settings.binding.enabledEvery', 'Every published entry') },
          { value: 'field', label: t('settings.flag.field', 'From a boolean field') },
        ]}
        onChange={(value) =>
          onChange(
            value === 'field'
              ? { ...binding, enabled: { field: type?.booleanFields[0] ?? '' } }
              : always
          )
        }
      />
      {typeof current === 'object' && (
        <SelectField
          name={`contentTypes.${uid}.enabled.field`}
          label={t('settings.binding.booleanField', 'Boolean field')}
          value={current.field}
          disabled={disabled}
          error={errorAt('enabled.field') ?? errorAt('enabled')}
          options={fieldOptions(type?.booleanFields)}
          onChange={(field) => onChange({ ...binding, enabled: { field } })}
        />
      )}
    </Flex>
  );
}

/** For a translated type: one room for all languages, or one per language. */
export function RoomPerField({
  uid,
  binding,
  type,
  disabled,
  errorAt,
  onChange,
}: BindingFieldProps) {
  const t = useT();
  if (!type?.localized) return null;
  return (
    <SelectField
      name={`contentTypes.${uid}.roomPer`}
      label={t('settings.binding.roomPer', 'Rooms and languages')}
      hint={t(
        'settings.binding.roomPerHint',
        'One room per language needs a localized room id field.'
      )}
      value={binding.roomPer}
      disabled={disabled}
      error={errorAt('roomPer')}
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
          roomPer === 'locale' && !localizedIds.includes(binding.roomIdField) && localizedIds[0]
            ? localizedIds[0]
            : binding.roomIdField;
        onChange({ ...binding, roomPer, roomIdField });
      }}
    />
  );
}

/** What happens to the room when an entry is unpublished, or deleted. */
export function PolicyField({
  uid,
  binding,
  disabled,
  errorAt,
  onChange,
  policy,
  label,
}: BindingFieldProps & { policy: 'onUnpublish' | 'onDelete'; label: string }) {
  const t = useT();
  return (
    <SelectField
      name={`contentTypes.${uid}.${policy}`}
      label={label}
      value={binding[policy]}
      disabled={disabled}
      error={errorAt(policy)}
      options={[
        { value: 'keep', label: t('settings.policy.keep', 'Keep its room') },
        { value: 'delete', label: t('settings.policy.delete', 'Delete its room in iFlyChat') },
      ]}
      onChange={(value) => onChange({ ...binding, [policy]: value as Binding[typeof policy] })}
    />
  );
}
