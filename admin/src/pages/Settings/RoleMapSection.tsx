import { Grid, Typography } from '@strapi/design-system';

import type { SettingsView, SiteRole } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { TextField } from './fields';
import type { FormErrors, FormValues } from './form';
import { Section } from './Section';

interface Props {
  roles: SiteRole[];
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  onChange: (roleMap: FormValues['roleMap']) => void;
}

export function RoleMapSection({ roles, values, view, errors, readOnly, onChange }: Props) {
  const t = useT();
  // Role types mapped in the configuration but unknown to the site are still shown.
  const known = new Set(roles.map((role) => role.type));
  const rows = [
    ...roles,
    ...Object.keys(values.roleMap)
      .filter((type) => !known.has(type))
      .map((type) => ({ id: -1, name: type, type, description: null })),
  ];

  return (
    <Section
      title={t('settings.roleMap.title', 'Role map')}
      description={t(
        'settings.roleMap.description',
        'The iFlyChat role id for each role of your site. A room for a role is only open to users with that role; rooms for everyone use role 0.'
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
              <Grid.Item key={role.type} col={4} s={12} direction="column" alignItems="stretch">
                <TextField
                  name={name}
                  label={role.name}
                  hint={
                    locked
                      ? t('settings.roleMap.locked', 'Role type {type}: set in config/plugins.ts', {
                          type: role.type,
                        })
                      : t('settings.roleMap.type', 'Role type {type}', { type: role.type })
                  }
                  placeholder={t('settings.roleMap.unmapped', 'Not mapped')}
                  value={values.roleMap[role.type] ?? ''}
                  disabled={readOnly || locked}
                  error={errors[name]}
                  onChange={(value) => onChange({ ...values.roleMap, [role.type]: value })}
                />
              </Grid.Item>
            );
          })}
        </Grid.Root>
      )}
    </Section>
  );
}
