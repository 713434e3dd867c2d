/**
 * "Delivery": how the plugin calls iFlyChat (time limit, parallel calls, attempts, rate limit).
 * Collapsed until opened, or until one of its fields has an error. The bounds are those of
 * config/plugins.ts, read from the same schema; a key set there is shown locked.
 */
import * as React from 'react';
import { Accordion, Box, Grid } from '@strapi/design-system';

import {
  tuningBounds,
  TUNING_KEYS,
  type SettingsView,
  type TuningKey,
} from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { NumberField } from './fields';
import type { FormErrors, FormValues } from './form';

interface Props {
  values: FormValues;
  view: SettingsView;
  errors: FormErrors;
  readOnly: boolean;
  onChange: <K extends TuningKey>(key: K, value: FormValues[K]) => void;
}

const ITEM = 'delivery';

function useLabels(): Record<TuningKey, { label: string; hint: string }> {
  const t = useT();
  return {
    timeoutMs: {
      label: t('settings.delivery.timeoutMs', 'Time limit of one call (ms)'),
      hint: t(
        'settings.delivery.timeoutMsHint',
        'How long one call to iFlyChat may take before it is retried.'
      ),
    },
    concurrency: {
      label: t('settings.delivery.concurrency', 'Calls at the same time'),
      hint: t(
        'settings.delivery.concurrencyHint',
        'Room jobs one Strapi instance runs at the same time.'
      ),
    },
    maxAttempts: {
      label: t('settings.delivery.maxAttempts', 'Attempts'),
      hint: t(
        'settings.delivery.maxAttemptsHint',
        'Attempts before a job that keeps failing for a passing reason is marked failed.'
      ),
    },
    maxRequestsPerSecond: {
      label: t('settings.delivery.maxRequestsPerSecond', 'Calls per second'),
      hint: t(
        'settings.delivery.maxRequestsPerSecondHint',
        'The most calls to iFlyChat per second for each Strapi instance, room jobs and chat tokens together (tokens take at most half while rooms wait). Empty: no limit.'
      ),
    },
  };
}

/** "100 – 120000", or "more than 0, at most 1000". */
function useBoundsText() {
  const t = useT();
  return (key: TuningKey) => {
    const { min, max, minExclusive } = tuningBounds(key);
    return minExclusive
      ? t('settings.delivery.boundsExclusive', 'More than {min}, at most {max}.', { min, max })
      : t('settings.delivery.bounds', 'From {min} to {max}.', { min, max });
  };
}

function TuningField({
  name,
  values,
  view,
  errors,
  readOnly,
  onChange,
}: Omit<Props, 'onChange'> & { name: TuningKey; onChange: Props['onChange'] }) {
  const t = useT();
  const labels = useLabels();
  const boundsText = useBoundsText();
  const bounds = tuningBounds(name);
  const locked = view.locked.keys.includes(name);
  const hint = locked
    ? t('settings.locked', 'Set in config/plugins.ts or the environment; change it there.')
    : `${labels[name].hint} ${boundsText(name)}`;
  return (
    <NumberField
      name={name}
      label={labels[name].label}
      hint={hint}
      value={values[name]}
      step={bounds.integer ? 1 : 0.1}
      placeholder={bounds.optional ? t('settings.delivery.noLimit', 'No limit') : undefined}
      required={!bounds.optional}
      disabled={readOnly || locked}
      error={errors[name]}
      onChange={(value) => onChange(name, value)}
    />
  );
}

export function DeliverySection(props: Props) {
  const t = useT();
  const [open, setOpen] = React.useState(false);
  const hasError = TUNING_KEYS.some((key) => Boolean(props.errors[key]));
  const title = t('settings.delivery.title', 'Delivery');

  // A field with an error is never hidden.
  React.useEffect(() => {
    if (hasError) setOpen(true);
  }, [hasError]);

  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" tag="section" aria-label={title}>
      <Accordion.Root
        value={open ? ITEM : ''}
        onValueChange={(value: string) => setOpen(value === ITEM)}
      >
        <Accordion.Item value={ITEM}>
          <Accordion.Header>
            <Accordion.Trigger
              description={t(
                'settings.delivery.description',
                'How rooms are created: time limit, parallel calls, attempts and rate limit.'
              )}
            >
              {title}
            </Accordion.Trigger>
          </Accordion.Header>
          <Accordion.Content>
            <Box padding={6}>
              <Grid.Root gap={4}>
                {TUNING_KEYS.map((key) => (
                  <Grid.Item key={key} col={6} s={12} direction="column" alignItems="stretch">
                    <TuningField {...props} name={key} />
                  </Grid.Item>
                ))}
              </Grid.Root>
            </Box>
          </Accordion.Content>
        </Accordion.Item>
      </Accordion.Root>
    </Box>
  );
}
