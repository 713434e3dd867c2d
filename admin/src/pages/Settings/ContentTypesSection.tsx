/** The "Content types" section: one card per bound content type, and a way to bind another. */
import * as React from 'react';
import {
  Box,
  Button,
  Flex,
  SingleSelect,
  SingleSelectOption,
  Typography,
} from '@strapi/design-system';
import { Plus } from '@strapi/icons';

import type { BindableContentType, SettingsView, SiteRole } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { BindingCard } from './binding/BindingCard';
import { defaultBinding, type FormErrors, type FormValues } from './form';
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
