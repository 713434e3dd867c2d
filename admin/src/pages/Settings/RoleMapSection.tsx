import { Box, Flex, Grid, Typography } from '@strapi/design-system';

import type { SettingsView, SiteRole } from '../../../../contracts/settings';
import type { ChatRole } from '../../../../contracts/users';
import { useT } from '../../utils/translate';
import { SelectField, TextField } from './fields';
import type { FormErrors, FormValues } from './form';
import { Section } from './Section';

interface Props {
  roles: SiteRole[];
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  onChange: (roleMap: FormValues['roleMap']) => void;
  /** The chat role (`chat_role`) users of each role get in their chat token. */
  onChatRoleChange: (chatRoleMap: FormValues['chatRoleMap']) => void;
}

export function RoleMapSection({
  roles,
  values,
  view,
  errors,
  readOnly,
  onChange,
  onChatRoleChange,
}: Props) {
  const t = useT();
  const chatRolesLocked = view.locked.keys.includes('chatRoleMap');
  const chatRoleOptions = [
    {
      value: 'participant',
      label: t('settings.chatRole.participant', 'Participant (default)'),
    },
    { value: 'viewer', label: t('settings.chatRole.viewer', 'Viewer') },
    { value: 'moderator', label: t('settings.chatRole.moderator', 'Moderator') },
    { value: 'admin', label: t('settings.chatRole.admin', 'Chat admin') },
  ];
  const setChatRole = (type: string, role: string) => {
    const next = Object.fromEntries(
      Object.entries(values.chatRoleMap).filter(([key]) => key !== type)
    );
    // Participant is the default: only the other roles are written.
    if (role !== 'participant') next[type] = role as ChatRole;
    onChatRoleChange(next);
  };
  // Role types mapped in the configuration but unknown to the site are still shown.
  const known = new Set(roles.map((role) => role.type));
  const rows = [
    ...roles,
    ...Object.keys(values.roleMap)
      .filter((type) => !known.has(type))
      .map((type) => ({ id: -1, name: type, type, description: null, tokenRoute: false })),
  ];

  return (
    <Section
      title={t('settings.roleMap.title', 'Role map')}
      description={t(
        'settings.roleMap.description',
        'The iFlyChat role id for each role of your site. A room for a role is only open to users with that role; rooms for everyone use role 0. The same id goes into the chat token of each user of the role, beside their chat role.'
      )}
    >
      {rows.length === 0 ? (
        <Typography variant="omega" textColor="neutral600">
          {t('settings.roleMap.none', 'The Users & Permissions plugin has no roles.')}
        </Typography>
      ) : (
        <Grid.Root gap={5}>
          {rows.map((role) => {
            const locked = view.locked.roleMap.includes(role.type);
            const name = `roleMap.${role.type}`;
            return (
              <Grid.Item key={role.type} col={6} s={12} direction="column" alignItems="stretch">
                <Flex gap={3} alignItems="flex-start">
                  <Box flex="1">
                    <TextField
                      name={name}
                      label={role.name}
                      hint={
                        locked
                          ? t(
                              'settings.roleMap.locked',
                              'Role type {type}: set in config/plugins.ts',
                              {
                                type: role.type,
                              }
                            )
                          : t('settings.roleMap.type', 'Role type {type}', { type: role.type })
                      }
                      placeholder={t('settings.roleMap.unmapped', 'Not mapped')}
                      value={values.roleMap[role.type] ?? ''}
                      disabled={readOnly || locked}
                      error={errors[name]}
                      onChange={(value) => onChange({ ...values.roleMap, [role.type]: value })}
                    />
                  </Box>
                  <Box flex="1">
                    <SelectField
                      name={`chatRoleMap.${role.type}`}
                      label={t('settings.chatRole.label', '{name} in the chat', {
                        name: role.name,
                      })}
                      hint={
                        chatRolesLocked
                          ? t(
                              'settings.locked',
                              'Set in config/plugins.ts or the environment; change it there.'
                            )
                          : undefined
                      }
                      value={
                        Object.hasOwn(values.chatRoleMap, role.type)
                          ? values.chatRoleMap[role.type]
                          : 'participant'
                      }
                      options={chatRoleOptions}
                      disabled={readOnly || chatRolesLocked}
                      error={errors[`chatRoleMap.${role.type}`]}
                      onChange={(value) => setChatRole(role.type, value)}
                    />
                  </Box>
                </Flex>
              </Grid.Item>
            );
          })}
        </Grid.Root>
      )}
    </Section>
  );
}
