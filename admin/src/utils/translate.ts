import { useIntl } from 'react-intl';

import { PLUGIN_ID } from '../pluginId';

/** Full translation id of one of the plugin's keys. */
export const getTranslation = (key: string) => `${PLUGIN_ID}.${key}`;

type Values = Record<string, string | number | boolean | null | undefined | Date>;

/** `t('settings.save', 'Save')`: every string through react-intl, with its English default. */
export function useT() {
  const { formatMessage } = useIntl();
  return (key: string, defaultMessage: string, values?: Values) =>
    formatMessage({ id: getTranslation(key), defaultMessage }, values);
}
