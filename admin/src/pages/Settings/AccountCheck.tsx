import * as React from 'react';
import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { useFetchClient, useAPIErrorHandler, isFetchError } from '@strapi/strapi/admin';

import type {
  AccountCheck as AccountCheckApi,
  AccountCheckLine,
  AccountCheckResult,
} from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import type { FormValues } from './form';

interface Props {
  values: FormValues;
  canCheck: boolean;
}

type T = ReturnType<typeof useT>;

function callTitle(t: T, call: AccountCheckLine['call']): string {
  const titles: Record<AccountCheckLine['call'], string> = {
    'room.create': t('settings.check.call.roomCreate', 'Create a room'),
    'room.edit': t('settings.check.call.roomEdit', 'Edit the room'),
    'rooms.list': t('settings.check.call.roomsList', 'Find the room in the room list'),
    'room.delete': t('settings.check.call.roomDelete', 'Delete the room'),
    'token.generate': t('settings.check.call.tokenGenerate', 'Issue a chat token'),
    'token.delete': t('settings.check.call.tokenDelete', 'Delete the chat token'),
  };
  return titles[call];
}

/** Why a call was not tried, from the lines before it. */
function skipReason(t: T, line: AccountCheckLine, lines: AccountCheckLine[]): string {
  if (line.call === 'room.edit' || line.call === 'room.delete') {
    return t('settings.check.skip.noRoom', 'not tried: no room was created');
  }
  const silent = lines.some((other) => other.outcome === 'unreachable' && !other.status);
  if (silent) return t('settings.check.skip.noAnswer', 'not tried: iFlyChat did not answer');
  const generate = lines.find((other) => other.call === 'token.generate');
  if (line.call === 'token.delete' && generate?.outcome !== 'skipped') {
    return t('settings.check.skip.noToken', 'not tried: no token was issued');
  }
  return t('settings.check.skip.noAppId', 'not tried: no app id is set (chat tokens need one)');
}

function outcomeText(t: T, line: AccountCheckLine, lines: AccountCheckLine[]): string {
  const http = line.status
    ? ` ${t('settings.check.http', '(HTTP {status})', { status: line.status })}`
    : '';
  switch (line.outcome) {
    case 'works':
      return t('settings.check.outcome.works', 'works');
    case 'plan':
      return t('settings.check.outcome.plan', 'refused by your iFlyChat plan') + http;
    case 'invalid-key':
      return t('settings.check.outcome.invalidKey', 'iFlyChat refused the API key') + http;
    case 'not-found':
      return (
        t('settings.check.outcome.notFound', 'not found: the iFlyChat API may have changed') + http
      );
    case 'unreachable':
      return line.status
        ? t('settings.check.outcome.busy', 'iFlyChat answered HTTP {status}: try again later', {
            status: line.status,
          })
        : t(
            'settings.check.outcome.unreachable',
            'no answer in time: check the base URL and this server’s network access'
          );
    case 'not-iflychat':
      return (
        t(
          'settings.check.outcome.notIflychat',
          'the answer is not iFlyChat’s: check the base URL and the API version'
        ) + http
      );
    default:
      return skipReason(t, line, lines);
  }
}

function Summary({ result }: { result: AccountCheckResult }) {
  const t = useT();
  const failed = result.lines.filter((l) => l.outcome !== 'works' && l.outcome !== 'skipped');
  const title = result.noKey
    ? t('settings.check.noKey', 'No API key is set: enter one to check the account.')
    : result.ok
      ? t('settings.check.ok', 'Every call the settings need works.')
      : t('settings.check.failed', '{count} of {total} calls do not work.', {
          count: failed.length,
          total: result.lines.length,
        });
  return (
    <Typography
      variant="omega"
      fontWeight="bold"
      textColor={result.ok ? 'success600' : 'danger600'}
    >
      {title}
    </Typography>
  );
}

/** "Check my account": every call the settings need, one line each. */
export function AccountCheck({ values, canCheck }: Props) {
  const t = useT();
  const { post } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [checking, setChecking] = React.useState(false);
  const [result, setResult] = React.useState<AccountCheckResult | null>(null);
  const [failure, setFailure] = React.useState<string | null>(null);

  const typed = (draft: FormValues['apiKey']) =>
    draft.mode === 'replace' && draft.input.trim() ? draft.input.trim() : undefined;

  const check = async () => {
    setChecking(true);
    setResult(null);
    setFailure(null);
    try {
      const apiKey = typed(values.apiKey);
      const appId = typed(values.appId);
      const body: AccountCheckApi.Request = {
        apiVersion: values.apiVersion,
        baseUrl: values.baseUrl.trim(),
        ...(apiKey ? { apiKey } : {}),
        ...(appId ? { appId } : {}),
      };
      const { data } = await post<AccountCheckApi.Response>(
        '/iflychat/settings/check-account',
        body
      );
      setResult(data.data);
    } catch (error) {
      setFailure(isFetchError(error) ? formatAPIError(error) : String(error));
    } finally {
      setChecking(false);
    }
  };

  return (
    <Flex direction="column" alignItems="flex-start" gap={2}>
      <Button
        variant="secondary"
        onClick={() => void check()}
        loading={checking}
        disabled={!canCheck}
      >
        {t('settings.check.button', 'Check my account')}
      </Button>
      <Typography variant="pi" textColor="neutral600">
        {t(
          'settings.check.hint',
          'Makes every call the settings need, once: creates, edits, finds and deletes a throwaway room, and issues and deletes a chat token for a throwaway user.'
        )}
      </Typography>
      {failure && (
        <Typography variant="pi" textColor="danger600">
          {t('settings.check.error', 'The check failed')}: {failure}
        </Typography>
      )}
      {result && (
        <Box aria-label={t('settings.check.results', 'Account check')} role="region">
          <Summary result={result} />
          <ul>
            {result.lines.map((line) => (
              <li key={line.call} data-call={line.call} data-outcome={line.outcome}>
                <Typography
                  variant="pi"
                  textColor={
                    line.outcome === 'works'
                      ? 'success600'
                      : line.outcome === 'skipped'
                        ? 'neutral600'
                        : 'danger600'
                  }
                >
                  {callTitle(t, line.call)}: {outcomeText(t, line, result.lines)}
                </Typography>
              </li>
            ))}
          </ul>
          {result.leftoverRoomId && (
            <Typography variant="pi" textColor="danger600">
              {t(
                'settings.check.leftover',
                'The throwaway room {roomId} could not be deleted: delete it in iFlyChat.',
                { roomId: result.leftoverRoomId }
              )}
            </Typography>
          )}
        </Box>
      )}
    </Flex>
  );
}
