/**
 * Settings → iFlyChat: the connection, the bound content types, the role map and the delivery
 * tuning.
 * Values from config/plugins.ts are shown read-only; users with `settings.read` only see the
 * page in read-only mode.
 */
import * as React from 'react';
import { Alert, Button, Dialog, Flex } from '@strapi/design-system';
import { Check } from '@strapi/icons';
import {
  ConfirmDialog,
  Layouts,
  Page,
  isFetchError,
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
  useRBAC,
} from '@strapi/strapi/admin';
import { useBlocker } from 'react-router-dom';

import {
  PERMISSIONS,
  type BindableContentType,
  type GetSettings,
  type ListContentTypes,
  type ListRoles,
  type SettingsView,
  type SiteRole,
  type UpdateSettings,
} from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { ConnectionSection } from './ConnectionSection';
import { ContentTypesSection } from './ContentTypesSection';
import { DeliverySection } from './DeliverySection';
import {
  fromView,
  isDirty,
  serverErrors,
  toRequest,
  validate,
  type FormErrors,
  type FormValues,
} from './form';
import { RoleMapSection } from './RoleMapSection';
import { RoomEventsSection } from './RoomEventsSection';
import { UsersSection } from './UsersSection';

const READ = [{ action: PERMISSIONS.read, subject: null }];
const UPDATE = [{ action: PERMISSIONS.update, subject: null }];
const MANAGE_ROOMS = [{ action: PERMISSIONS.manageRooms, subject: null }];

interface Loaded {
  view: SettingsView;
  contentTypes: BindableContentType[];
  roles: SiteRole[];
}

function SettingsPage() {
  const t = useT();
  const { get, put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const {
    isLoading: loadingPermissions,
    // Keys come from the last part of each action: settings.update → canUpdate,
    // rooms.manage → canManage.
    allowedActions: { canUpdate, canManage: canManageRooms },
  } = useRBAC([...UPDATE, ...MANAGE_ROOMS]);

  const [loaded, setLoaded] = React.useState<Loaded | null>(null);
  const [loadError, setLoadError] = React.useState<string | null>(null);
  const [initial, setInitial] = React.useState<FormValues | null>(null);
  const [values, setValues] = React.useState<FormValues | null>(null);
  const [errors, setErrors] = React.useState<FormErrors>({});
  const [saving, setSaving] = React.useState(false);
  const [encryptionWarningOpen, setEncryptionWarningOpen] = React.useState(true);

  const load = React.useCallback(async () => {
    setLoadError(null);
    try {
      const [settings, contentTypes, roles] = await Promise.all([
        get<GetSettings.Response>('/iflychat/settings'),
        get<ListContentTypes.Response>('/iflychat/content-types'),
        get<ListRoles.Response>('/iflychat/roles'),
      ]);
      const view = settings.data.data;
      setLoaded({ view, contentTypes: contentTypes.data.data, roles: roles.data.data });
      const form = fromView(view);
      setInitial(form);
      setValues(form);
      setErrors({});
    } catch (error) {
      setLoadError(isFetchError(error) ? formatAPIError(error) : String(error));
    }
  }, [get, formatAPIError]);

  React.useEffect(() => {
    void load();
  }, [load]);

  const dirty = Boolean(values && initial && isDirty(values, initial));
  const blocker = useBlocker(({ currentLocation, nextLocation }) => {
    return dirty && !saving && currentLocation.pathname !== nextLocation.pathname;
  });

  React.useEffect(() => {
    if (!dirty) return undefined;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  if (loadError) {
    return (
      <Page.Main>
        <Page.Error />
      </Page.Main>
    );
  }
  if (!loaded || !values || !initial || loadingPermissions) {
    return <Page.Loading />;
  }

  const readOnly = !canUpdate;
  const { view } = loaded;

  const setField = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((current) => (current ? { ...current, [key]: value } : current));
  };

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    const found = validate(values, loaded?.contentTypes);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      toggleNotification({
        type: 'danger',
        message: t('settings.invalid', 'Some settings are not valid: see the fields in red.'),
      });
      return;
    }
    setSaving(true);
    try {
      const { data } = await put<UpdateSettings.Response>('/iflychat/settings', toRequest(values));
      const form = fromView(data.data);
      setLoaded({ ...loaded, view: data.data });
      setInitial(form);
      setValues(form);
      toggleNotification({ type: 'success', message: t('settings.saved', 'Settings saved') });
    } catch (error) {
      if (isFetchError(error)) {
        const fieldErrors = serverErrors(error.response?.data.error.details);
        setErrors(fieldErrors);
        toggleNotification({ type: 'danger', message: formatAPIError(error) });
      } else {
        toggleNotification({ type: 'danger', message: String(error) });
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <Page.Main>
      <Page.Title>{t('settings.pageTitle', 'iFlyChat settings')}</Page.Title>
      <form onSubmit={(event) => void save(event)} noValidate>
        <Layouts.Header
          title={t('plugin.name', 'iFlyChat')}
          subtitle={t(
            'settings.subtitle',
            'A chat room for each published entry of the content types you choose.'
          )}
          primaryAction={
            readOnly ? undefined : (
              <Button type="submit" startIcon={<Check />} loading={saving} disabled={!dirty}>
                {t('settings.save', 'Save')}
              </Button>
            )
          }
        />
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={6}>
            {!view.encryptedAtRest && encryptionWarningOpen && (
              <Alert
                variant="warning"
                title={t('settings.encryption.title', 'Secrets are stored unencrypted')}
                closeLabel={t('settings.encryption.close', 'Close')}
                onClose={() => setEncryptionWarningOpen(false)}
              >
                {t(
                  'settings.encryption.body',
                  'Set admin.secrets.encryptionKey (ENCRYPTION_KEY) in config/admin.ts to store the API key encrypted.'
                )}
              </Alert>
            )}
            {readOnly && (
              <Alert
                variant="default"
                title={t('settings.readOnly.title', 'Read only')}
                closeLabel={t('settings.encryption.close', 'Close')}
              >
                {t(
                  'settings.readOnly.body',
                  'You can see these settings but not change them. Ask an administrator for the permission to edit them.'
                )}
              </Alert>
            )}
            <ConnectionSection
              values={values}
              view={view}
              errors={errors}
              readOnly={readOnly}
              canTest={canUpdate}
              onChange={setField}
            />
            <ContentTypesSection
              contentTypes={loaded.contentTypes}
              roles={loaded.roles}
              values={values}
              view={view}
              errors={errors}
              readOnly={readOnly}
              canManageRooms={canManageRooms}
              onChange={(contentTypes) => setField('contentTypes', contentTypes)}
            />
            <RoleMapSection
              roles={loaded.roles}
              values={values}
              view={view}
              errors={errors}
              readOnly={readOnly}
              onChange={(roleMap) => setField('roleMap', roleMap)}
              onChatRoleChange={(chatRoleMap) => setField('chatRoleMap', chatRoleMap)}
            />
            <UsersSection
              roles={loaded.roles}
              values={values}
              view={view}
              errors={errors}
              readOnly={readOnly}
              onChange={setField}
            />
            <RoomEventsSection />
            <DeliverySection
              values={values}
              view={view}
              errors={errors}
              readOnly={readOnly}
              onChange={setField}
            />
          </Flex>
        </Layouts.Content>
      </form>
      <Dialog.Root
        open={blocker.state === 'blocked'}
        onOpenChange={(open: boolean) => {
          if (!open && blocker.state === 'blocked') blocker.reset();
        }}
      >
        <ConfirmDialog
          title={t('settings.leave.title', 'Leave without saving?')}
          onConfirm={() => blocker.proceed?.()}
          onCancel={() => blocker.reset?.()}
          variant="danger"
        >
          {t('settings.leave.body', 'Your changes to the iFlyChat settings will be lost.')}
        </ConfirmDialog>
      </Dialog.Root>
    </Page.Main>
  );
}

export default function ProtectedSettingsPage() {
  return (
    <Page.Protect permissions={READ}>
      <SettingsPage />
    </Page.Protect>
  );
}
