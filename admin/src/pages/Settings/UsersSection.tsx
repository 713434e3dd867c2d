/**
 * Site users in the rooms: how each signed-in Users & Permissions user is described in their
 * chat token, how often they may ask for one, the widget script, and for which roles the token
 * route is enabled (that switch lives in Users & Permissions).
 */
import { Grid, Typography } from '@strapi/design-system';

import type { SettingsView, SiteRole } from '../../../../contracts/settings';
import type { UserSettings } from '../../../../contracts/users';
import { useT } from '../../utils/translate';
import { NumberField, SelectField, TextField } from './fields';
import type { FormErrors, FormValues } from './form';
import { Section } from './Section';
import { usernamesList, usernamesText } from './users-form';

/** The placeholders, given as values so that the message shows them as they are. */
const PLACEHOLDERS = { id: '{id}', documentId: '{documentId}', username: '{username}' };

type Key = Exclude<keyof UserSettings, 'chatRoleMap'>;
type TextKey = Exclude<
  Key,
  'userAvatarGravatar' | 'chatAdminUsernames' | 'chatModeratorUsernames' | 'tokenRequestsPerMinute'
>;

interface Props {
  roles: SiteRole[];
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  onChange: <K extends Key>(key: K, value: FormValues[K]) => void;
}

/** An error of one username of a list (`chatAdminUsernames.2`), for the list's field. */
function firstItemError(errors: FormErrors, key: string): string | undefined {
  const found = Object.keys(errors).find((path) => path.startsWith(`${key}.`));
  return found === undefined ? undefined : errors[found];
}

export function UsersSection({ roles, values, view, errors, readOnly, onChange }: Props) {
  const t = useT();
  const locked = (key: Key) => view.locked.keys.includes(key);
  const lockedHint = t(
    'settings.locked',
    'Set in config/plugins.ts or the environment; change it there.'
  );
  const enabled = roles.filter((role) => role.tokenRoute).map((role) => role.name);

  const text = (key: TextKey, label: string, hint: string, placeholder?: string) => (
    <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
      <TextField
        name={key}
        label={label}
        hint={locked(key) ? lockedHint : hint}
        placeholder={placeholder}
        value={String(values[key] ?? '')}
        disabled={readOnly || locked(key)}
        error={errors[key]}
        onChange={(value) => onChange(key, value)}
      />
    </Grid.Item>
  );

  return (
    <Section
      title={t('settings.users.title', 'Site users in the rooms')}
      description={t(
        'settings.users.description',
        'Signed-in users of your site get an iFlyChat token from POST /api/iflychat/token: their role in the role map decides which rooms they may enter.'
      )}
    >
      <Typography variant="omega" tag="p" data-testid="token-route-roles">
        {enabled.length > 0
          ? t('settings.users.enabledFor', 'The token route is enabled for: {roles}.', {
              roles: enabled.join(', '),
            })
          : t(
              'settings.users.enabledForNone',
              'The token route is enabled for no role yet: tick Iflychat → token → generate under Settings → Users & Permissions → Roles → Authenticated.'
            )}
      </Typography>
      <Grid.Root gap={5}>
        {text(
          'userIdPrefix',
          t('settings.users.userIdPrefix.label', 'User id prefix'),
          t(
            'settings.users.userIdPrefix.hint',
            'Put before the user id to make the iFlyChat user id, such as strapi-12.'
          )
        )}
        {text(
          'userNameAttribute',
          t('settings.users.userNameAttribute.label', 'Name attribute'),
          t(
            'settings.users.userNameAttribute.hint',
            'The attribute of the user shown as their name in the chat, such as username.'
          )
        )}
        {text(
          'userAvatarUrl',
          t('settings.users.userAvatarUrl.label', 'Avatar URL'),
          t(
            'settings.users.userAvatarUrl.hint',
            'Optional. A template with {id}, {documentId} or {username}.',
            PLACEHOLDERS
          ),
          'https://example.com/avatars/{id}.png'
        )}
        {text(
          'userProfileUrl',
          t('settings.users.userProfileUrl.label', 'Profile URL'),
          t(
            'settings.users.userProfileUrl.hint',
            'Optional. A template with {id}, {documentId} or {username}.',
            PLACEHOLDERS
          ),
          'https://example.com/people/{username}'
        )}
        {text(
          'userAvatarField',
          t('settings.users.userAvatarField.label', 'Avatar media field'),
          t(
            'settings.users.userAvatarField.hint',
            'Optional. A single-media attribute of the user; its file is the avatar, before the Avatar URL. A file path needs an absolute server.url.'
          ),
          'avatar'
        )}
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <SelectField
            name="userAvatarGravatar"
            label={t('settings.users.userAvatarGravatar.label', 'Gravatar')}
            hint={
              locked('userAvatarGravatar')
                ? lockedHint
                : t(
                    'settings.users.userAvatarGravatar.hint',
                    'Without another avatar, use Gravatar: the widget then loads a Gravatar URL holding a hash of the user’s e-mail.'
                  )
            }
            value={values.userAvatarGravatar ? 'on' : 'off'}
            options={[
              { value: 'off', label: t('settings.users.userAvatarGravatar.off', 'Off') },
              { value: 'on', label: t('settings.users.userAvatarGravatar.on', 'On') },
            ]}
            disabled={readOnly || locked('userAvatarGravatar')}
            error={errors.userAvatarGravatar}
            onChange={(value) => onChange('userAvatarGravatar', value === 'on')}
          />
        </Grid.Item>
        {text(
          'chatAdminAttribute',
          t('settings.users.chatAdminAttribute.label', 'Chat admin attribute'),
          t(
            'settings.users.chatAdminAttribute.hint',
            'Optional. A boolean attribute of the user: true makes them a chat admin.'
          )
        )}
        {text(
          'chatModeratorAttribute',
          t('settings.users.chatModeratorAttribute.label', 'Chat moderator attribute'),
          t(
            'settings.users.chatModeratorAttribute.hint',
            'Optional. A boolean attribute of the user: true makes them a chat moderator.'
          )
        )}
        {(['chatAdminUsernames', 'chatModeratorUsernames'] as const).map((key) => (
          <Grid.Item key={key} col={6} s={12} direction="column" alignItems="stretch">
            <TextField
              name={key}
              label={
                key === 'chatAdminUsernames'
                  ? t('settings.users.chatAdminUsernames.label', 'Chat admins (usernames)')
                  : t('settings.users.chatModeratorUsernames.label', 'Chat moderators (usernames)')
              }
              hint={
                locked(key)
                  ? lockedHint
                  : t(
                      'settings.users.usernames.hint',
                      'Optional. Usernames separated by commas, whatever their role.'
                    )
              }
              value={usernamesText(values[key])}
              disabled={readOnly || locked(key)}
              error={errors[key] ?? firstItemError(errors, key)}
              onChange={(value) => onChange(key, usernamesList(value))}
            />
          </Grid.Item>
        ))}
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <NumberField
            name="tokenRequestsPerMinute"
            label={t('settings.users.tokenRequestsPerMinute.label', 'Token requests per minute')}
            hint={
              locked('tokenRequestsPerMinute')
                ? lockedHint
                : t(
                    'settings.users.tokenRequestsPerMinute.hint',
                    'How many calls to iFlyChat for new tokens one user may cause in a minute before getting 429 (a token reused from memory is not counted).'
                  )
            }
            value={values.tokenRequestsPerMinute}
            disabled={readOnly || locked('tokenRequestsPerMinute')}
            error={errors.tokenRequestsPerMinute}
            onChange={(value) => onChange('tokenRequestsPerMinute', value ?? 0)}
          />
        </Grid.Item>
        {text(
          'scriptUrl',
          t('settings.users.scriptUrl.label', 'Widget script'),
          t(
            'settings.users.scriptUrl.hint',
            'The iFlyChat widget script your pages load; ?app_id= is added.'
          )
        )}
      </Grid.Root>
    </Section>
  );
}
