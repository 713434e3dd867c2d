/**
 * The iFlyChat app id, shown in clear: iFlyChat calls it the public APP ID (every page with the
 * widget carries it). Editing it replaces the stored one; emptying it removes it on save.
 */
import type { SettingsView } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { TextField } from './fields';
import type { SecretDraft } from './form';

export function AppIdField({
  view,
  draft,
  locked,
  readOnly,
  error,
  onChange,
}: {
  view: SettingsView;
  draft: SecretDraft;
  locked: boolean;
  readOnly: boolean;
  error?: string;
  onChange: (draft: SecretDraft) => void;
}) {
  const t = useT();
  const stored = view.appIdValue ?? '';
  const value = draft.mode === 'replace' ? draft.input : draft.mode === 'clear' ? '' : stored;
  return (
    <TextField
      name="appId"
      label={t('settings.appId.label', 'App id')}
      value={locked ? stored : value}
      disabled={readOnly || locked}
      error={error}
      hint={
        locked
          ? t('settings.locked', 'Set in config/plugins.ts or the environment; change it there.')
          : t(
              'settings.appId.public',
              'The public app id of your iFlyChat app: needed to let your site users into rooms.'
            )
      }
      onChange={(input) => {
        if (input === stored) onChange({ mode: 'keep', input: '' });
        else if (input.trim() === '' && view.appId.configured) onChange({ mode: 'clear', input });
        else onChange({ mode: 'replace', input });
      }}
    />
  );
}
