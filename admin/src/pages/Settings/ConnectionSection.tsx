import * as React from 'react';
import { Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { useFetchClient, useAPIErrorHandler, isFetchError } from '@strapi/strapi/admin';

import type { SecretStatus, SettingsView, TestConnection } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { AccountCheck } from './AccountCheck';
import { AppIdField } from './AppIdField';
import { SelectField, TextField } from './fields';
import type { FormErrors, FormValues, SecretDraft } from './form';
import { Section } from './Section';

interface Props {
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  canTest: boolean;
  onChange: <K extends keyof FormValues>(key: K, value: FormValues[K]) => void;
}

function SecretField({
  name,
  label,
  hint,
  status,
  draft,
  locked,
  readOnly,
  error,
  onChange,
}: {
  name: string;
  label: string;
  hint: string;
  status: SecretStatus;
  draft: SecretDraft;
  locked: boolean;
  readOnly: boolean;
  error?: string;
  onChange: (draft: SecretDraft) => void;
}) {
  const t = useT();
  const masked = status.last4 ? `••••••••${status.last4}` : '••••••••';

  if (locked) {
    return (
      <TextField
        name={name}
        label={label}
        value={status.configured ? masked : ''}
        onChange={() => undefined}
        disabled
        hint={t('settings.locked', 'Set in config/plugins.ts or the environment; change it there.')}
      />
    );
  }
  if (draft.mode === 'replace' || !status.configured) {
    return (
      <TextField
        name={name}
        label={label}
        type="password"
        value={draft.input}
        disabled={readOnly}
        error={error}
        hint={hint}
        placeholder={status.configured ? t('settings.secret.new', 'Enter the new value') : ''}
        onChange={(input) => onChange({ mode: 'replace', input })}
        endAction={
          status.configured ? (
            <Button
              variant="tertiary"
              size="S"
              onClick={() => onChange({ mode: 'keep', input: '' })}
            >
              {t('settings.secret.cancel', 'Keep current')}
            </Button>
          ) : undefined
        }
      />
    );
  }
  return (
    <Flex direction="column" alignItems="stretch" gap={1}>
      <TextField
        name={name}
        label={label}
        value={draft.mode === 'clear' ? '' : masked}
        onChange={() => undefined}
        disabled
        hint={
          draft.mode === 'clear'
            ? t('settings.secret.willClear', 'It will be removed when you save.')
            : t('settings.secret.stored', 'Stored. It is never shown again.')
        }
      />
      {!readOnly && (
        <Flex gap={2}>
          {draft.mode === 'clear' ? (
            <Button
              variant="tertiary"
              size="S"
              onClick={() => onChange({ mode: 'keep', input: '' })}
            >
              {t('settings.secret.undo', 'Undo')}
            </Button>
          ) : (
            <>
              <Button
                variant="secondary"
                size="S"
                onClick={() => onChange({ mode: 'replace', input: '' })}
              >
                {t('settings.secret.replace', 'Replace')}
              </Button>
              <Button
                variant="danger-light"
                size="S"
                onClick={() => onChange({ mode: 'clear', input: '' })}
              >
                {t('settings.secret.clear', 'Clear')}
              </Button>
            </>
          )}
        </Flex>
      )}
    </Flex>
  );
}

export function ConnectionSection({ values, view, errors, readOnly, canTest, onChange }: Props) {
  const t = useT();
  const { post } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [testing, setTesting] = React.useState(false);
  const [result, setResult] = React.useState<TestConnection.Response['data'] | null>(null);
  const locked = (key: (typeof view.locked.keys)[number]) => view.locked.keys.includes(key);
  // The stored key is only ever sent to the base URL it was saved with: another base URL needs
  // the key typed again, for a test as for a save.
  const baseUrlChanged = values.baseUrl.trim().replace(/\/+$/, '') !== view.baseUrl;
  const retypeKey = baseUrlChanged && view.apiKey.configured && !locked('apiKey');
  const changeBaseUrl = (value: string) => {
    onChange('baseUrl', value);
    const changed = value.trim().replace(/\/+$/, '') !== view.baseUrl;
    if (changed && view.apiKey.configured && !locked('apiKey') && values.apiKey.mode === 'keep') {
      onChange('apiKey', { mode: 'replace', input: '' });
    }
  };

  const testConnection = async () => {
    setTesting(true);
    setResult(null);
    try {
      const body: TestConnection.Request = {
        apiVersion: values.apiVersion,
        baseUrl: values.baseUrl.trim(),
        ...(values.apiKey.mode === 'replace' && values.apiKey.input.trim()
          ? { apiKey: values.apiKey.input.trim() }
          : {}),
      };
      const { data } = await post<TestConnection.Response>(
        '/iflychat/settings/test-connection',
        body
      );
      setResult(data.data);
    } catch (error) {
      setResult({
        outcome: 'error',
        message: isFetchError(error) ? formatAPIError(error) : String(error),
      });
    } finally {
      setTesting(false);
    }
  };

  const resultColor = result?.outcome === 'ok' ? 'success600' : 'danger600';
  const resultTitle: Record<TestConnection.Response['data']['outcome'], string> = {
    ok: t('settings.test.ok', 'Connected'),
    'invalid-key': t('settings.test.invalidKey', 'Invalid API key'),
    unreachable: t('settings.test.unreachable', 'iFlyChat could not be reached'),
    'no-key': t('settings.test.noKey', 'No API key'),
    error: t('settings.test.error', 'The test failed'),
  };

  return (
    <Section
      title={t('settings.connection.title', 'Connection')}
      description={t(
        'settings.connection.description',
        'The iFlyChat account rooms are created in. Once saved, the API key is never shown again.'
      )}
    >
      <Grid.Root gap={5}>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <SecretField
            name="apiKey"
            label={t('settings.apiKey.label', 'API key')}
            hint={
              retypeKey
                ? t(
                    'settings.apiKey.retype',
                    'Type the API key again: the stored key is only sent to the base URL it was saved with.'
                  )
                : t('settings.apiKey.hint', 'The private API key of your iFlyChat app.')
            }
            status={view.apiKey}
            draft={values.apiKey}
            locked={locked('apiKey')}
            readOnly={readOnly}
            error={errors.apiKey}
            onChange={(draft) => onChange('apiKey', draft)}
          />
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <AppIdField
            view={view}
            draft={values.appId}
            locked={locked('appId')}
            readOnly={readOnly}
            error={errors.appId}
            onChange={(draft) => onChange('appId', draft)}
          />
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <SelectField
            name="apiVersion"
            label={t('settings.apiVersion.label', 'API version')}
            hint={
              locked('apiVersion')
                ? t(
                    'settings.locked',
                    'Set in config/plugins.ts or the environment; change it there.'
                  )
                : t('settings.apiVersion.hint', '1.1 sends JSON; 1.0 sends form-encoded bodies.')
            }
            value={values.apiVersion}
            disabled={readOnly || locked('apiVersion')}
            error={errors.apiVersion}
            options={[
              { value: '1.1', label: '1.1' },
              { value: '1.0', label: '1.0' },
            ]}
            onChange={(value) => onChange('apiVersion', value as FormValues['apiVersion'])}
          />
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <TextField
            name="baseUrl"
            label={t('settings.baseUrl.label', 'Base URL')}
            hint={
              locked('baseUrl')
                ? t(
                    'settings.locked',
                    'Set in config/plugins.ts or the environment; change it there.'
                  )
                : t(
                    'settings.baseUrl.hint',
                    'https://api.iflychat.com, or the apiN.iflychat.com host of an older account. Plain http only for 127.0.0.1 or localhost.'
                  )
            }
            type="url"
            value={values.baseUrl}
            disabled={readOnly || locked('baseUrl')}
            error={errors.baseUrl}
            onChange={changeBaseUrl}
          />
        </Grid.Item>
      </Grid.Root>
      <Box paddingTop={5}>
        <Flex gap={4} alignItems="center" wrap="wrap">
          <Button
            variant="secondary"
            onClick={() => void testConnection()}
            loading={testing}
            disabled={!canTest}
          >
            {t('settings.test.button', 'Test connection')}
          </Button>
          {result && (
            <Flex direction="column" alignItems="flex-start" gap={1} role="status">
              <Typography variant="omega" fontWeight="bold" textColor={resultColor}>
                {resultTitle[result.outcome]}
              </Typography>
              <Typography variant="pi" textColor="neutral600">
                {result.message}
              </Typography>
            </Flex>
          )}
        </Flex>
      </Box>
      <Box paddingTop={5}>
        <AccountCheck values={values} canCheck={canTest} />
      </Box>
    </Section>
  );
}
