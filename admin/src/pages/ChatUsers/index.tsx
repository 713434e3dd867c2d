/**
 * The Chat users page (main menu → Chat users, `chat.moderate`): who is online on the site, the
 * banned users and IPs with Unban, Ban of a site user picked by their Strapi account, and the
 * moderation log. Each section loads on its own, so one refused call (`users/list` needs
 * iFlyChat's Enterprise plan) leaves the others working.
 */
import * as React from 'react';
import {
  Button,
  Flex,
  Table,
  Tbody,
  Td,
  TextInput,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';

import type {
  AccountView,
  BannedUserView,
  ChatUserView,
  ModerationLog,
} from '../../../../contracts/moderation';
import { PERMISSIONS } from '../../../../contracts/settings';
import { BanButton } from '../../components/RoomPanel/RoomModeration';
import { useT } from '../../utils/translate';
import { Section, useAction, useLoad } from './parts';

const MODERATE = [{ action: PERMISSIONS.moderate, subject: null }];

function Cells({ values }: { values: Array<string | number | null> }) {
  return (
    <>
      {values.map((value, index) => (
        <Td key={index}>
          <Typography textColor="neutral800">{value ?? '—'}</Typography>
        </Td>
      ))}
    </>
  );
}

function Head({ names }: { names: string[] }) {
  return (
    <Thead>
      <Tr>
        {names.map((name) => (
          <Th key={name}>
            <Typography variant="sigma">{name}</Typography>
          </Th>
        ))}
      </Tr>
    </Thead>
  );
}

function OnlineUsers({ onBanned }: { onBanned: () => void }) {
  const t = useT();
  const { state, reload } = useLoad<ChatUserView[]>('/iflychat/moderation/online');
  const { busy, act } = useAction();
  const users = state.kind === 'ready' ? state.data : [];
  return (
    <Section
      title={t('chatUsers.online.title', 'Online on the site')}
      error={state.kind === 'error' ? state.message : undefined}
      actions={
        <Button variant="tertiary" size="S" onClick={reload}>
          {t('chatUsers.refresh', 'Refresh')}
        </Button>
      }
    >
      {state.kind === 'ready' && users.length === 0 && (
        <Typography textColor="neutral600">
          {t('chatUsers.online.none', 'Nobody is online.')}
        </Typography>
      )}
      {users.length > 0 && (
        <Table colCount={4} rowCount={users.length + 1}>
          <Head
            names={[
              t('chatUsers.name', 'Name'),
              t('chatUsers.userId', 'Chat user id'),
              t('chatUsers.account', 'Site account'),
              '',
            ]}
          />
          <Tbody>
            {users.map((user) => (
              <Tr key={user.userId}>
                <Cells values={[user.name, user.userId, user.accountId]} />
                <Td>
                  <BanButton
                    name={user.name}
                    fullWidth={false}
                    disabled={busy !== null}
                    loading={busy === user.userId}
                    onConfirm={(banIp) =>
                      void act(
                        user.userId,
                        '/iflychat/moderation/ban',
                        { userId: user.userId, banIp },
                        t('moderation.ban.done', '{name} was banned', { name: user.name }),
                        () => {
                          reload();
                          onBanned();
                        }
                      )
                    }
                  />
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
    </Section>
  );
}

function BannedUsers({ users, onChange }: { users: BannedUserView[]; onChange: () => void }) {
  const t = useT();
  const { busy, act } = useAction();
  if (users.length === 0) {
    return (
      <Typography textColor="neutral600">
        {t('chatUsers.banned.none', 'Nobody is banned.')}
      </Typography>
    );
  }
  return (
    <Table
      colCount={4}
      rowCount={users.length + 1}
      aria-label={t('chatUsers.banned.users', 'Banned users')}
    >
      <Head
        names={[
          t('chatUsers.name', 'Name'),
          t('chatUsers.userId', 'Chat user id'),
          t('chatUsers.account', 'Site account'),
          '',
        ]}
      />
      <Tbody>
        {users.map((user) => (
          <Tr key={user.userId}>
            <Cells values={[user.name, user.userId, user.accountId]} />
            <Td>
              <Button
                size="S"
                variant="secondary"
                disabled={busy !== null}
                loading={busy === user.userId}
                onClick={() =>
                  void act(
                    user.userId,
                    '/iflychat/moderation/unban',
                    { userId: user.userId },
                    t('chatUsers.unbanned', '{name} was unbanned', { name: user.name }),
                    onChange
                  )
                }
              >
                {t('chatUsers.unban', 'Unban')}
              </Button>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function BannedIps({ ips, onChange }: { ips: string[]; onChange: () => void }) {
  const t = useT();
  const { busy, act } = useAction();
  if (ips.length === 0) {
    return (
      <Typography textColor="neutral600">{t('chatUsers.ips.none', 'No IP is banned.')}</Typography>
    );
  }
  return (
    <Table
      colCount={2}
      rowCount={ips.length + 1}
      aria-label={t('chatUsers.ips.title', 'Banned IPs')}
    >
      <Head names={[t('chatUsers.ip', 'IP address'), '']} />
      <Tbody>
        {ips.map((ip) => (
          <Tr key={ip}>
            <Cells values={[ip]} />
            <Td>
              <Button
                size="S"
                variant="secondary"
                disabled={busy !== null}
                loading={busy === ip}
                onClick={() =>
                  void act(
                    ip,
                    '/iflychat/moderation/ip-unban',
                    { ip },
                    t('chatUsers.ipUnbanned', '{ip} was unbanned', { ip }),
                    onChange
                  )
                }
              >
                {t('chatUsers.unban', 'Unban')}
              </Button>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function Banned({ version, onChange }: { version: number; onChange: () => void }) {
  const t = useT();
  const { state } = useLoad<{ users: BannedUserView[]; ips: string[] }>(
    `/iflychat/moderation/banned?v=${version}`
  );
  return (
    <Section
      title={t('chatUsers.banned.title', 'Banned')}
      error={state.kind === 'error' ? state.message : undefined}
    >
      {state.kind === 'ready' && (
        <Flex direction="column" alignItems="stretch" gap={4}>
          <BannedUsers users={state.data.users} onChange={onChange} />
          <BannedIps ips={state.data.ips} onChange={onChange} />
        </Flex>
      )}
    </Section>
  );
}

function BanAccount({ onBanned }: { onBanned: () => void }) {
  const t = useT();
  const [q, setQ] = React.useState('');
  const [search, setSearch] = React.useState<string | null>(null);
  const { busy, act } = useAction();
  return (
    <Section title={t('chatUsers.banAccount.title', 'Ban a site user')}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(q);
        }}
      >
        <Flex gap={2} alignItems="flex-end">
          <TextInput
            aria-label={t('chatUsers.banAccount.search', 'Username or e-mail')}
            placeholder={t('chatUsers.banAccount.search', 'Username or e-mail')}
            value={q}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setQ(e.target.value)}
          />
          <Button type="submit" variant="secondary">
            {t('chatUsers.banAccount.find', 'Find')}
          </Button>
        </Flex>
      </form>
      {search !== null && (
        <AccountResults
          q={search}
          busy={busy}
          onBan={(account, banIp) =>
            void act(
              `account ${account.id}`,
              '/iflychat/moderation/ban',
              { accountId: account.id, banIp },
              t('moderation.ban.done', '{name} was banned', { name: account.username }),
              onBanned
            )
          }
        />
      )}
    </Section>
  );
}

function AccountResults(props: {
  q: string;
  busy: string | null;
  onBan: (account: AccountView, banIp: boolean) => void;
}) {
  const t = useT();
  const { state } = useLoad<AccountView[]>(
    `/iflychat/moderation/accounts?q=${encodeURIComponent(props.q)}`
  );
  if (state.kind === 'error') return <Typography textColor="danger600">{state.message}</Typography>;
  if (state.kind !== 'ready') return null;
  if (state.data.length === 0) {
    return (
      <Typography textColor="neutral600">
        {t('chatUsers.banAccount.none', 'No site user matches.')}
      </Typography>
    );
  }
  return (
    <Table colCount={4} rowCount={state.data.length + 1}>
      <Head
        names={[
          t('chatUsers.username', 'Username'),
          t('chatUsers.email', 'E-mail'),
          t('chatUsers.userId', 'Chat user id'),
          '',
        ]}
      />
      <Tbody>
        {state.data.map((account) => (
          <Tr key={account.id}>
            <Cells values={[account.username, account.email, account.userId]} />
            <Td>
              <BanButton
                name={account.username}
                fullWidth={false}
                disabled={props.busy !== null}
                loading={props.busy === `account ${account.id}`}
                onConfirm={(banIp) => props.onBan(account, banIp)}
              />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function LogSection({ version }: { version: number }) {
  const t = useT();
  const [page, setPage] = React.useState(1);
  const { state } = useLoad<ModerationLog.Response['data']>(
    `/iflychat/moderation/log?page=${page}&pageSize=25&v=${version}`
  );
  const rows = state.kind === 'ready' ? state.data : [];
  return (
    <Section
      title={t('chatUsers.log.title', 'Moderation log')}
      error={state.kind === 'error' ? state.message : undefined}
      actions={
        <Flex gap={2}>
          <Button
            size="S"
            variant="tertiary"
            disabled={page === 1}
            onClick={() => setPage(page - 1)}
          >
            {t('chatUsers.log.newer', 'Newer')}
          </Button>
          <Button
            size="S"
            variant="tertiary"
            disabled={rows.length < 25}
            onClick={() => setPage(page + 1)}
          >
            {t('chatUsers.log.older', 'Older')}
          </Button>
        </Flex>
      }
    >
      {state.kind === 'ready' && rows.length === 0 && (
        <Typography textColor="neutral600">
          {t('chatUsers.log.none', 'No moderation action yet.')}
        </Typography>
      )}
      {rows.length > 0 && (
        <Table colCount={6} rowCount={rows.length + 1}>
          <Head
            names={[
              t('chatUsers.log.at', 'When'),
              t('chatUsers.log.who', 'Who'),
              t('chatUsers.log.action', 'Action'),
              t('chatUsers.log.target', 'Target'),
              t('chatUsers.log.result', 'Result'),
              t('chatUsers.log.reason', 'Reason'),
            ]}
          />
          <Tbody>
            {rows.map((row) => (
              <Tr key={row.id}>
                <Cells
                  values={[
                    new Date(row.at).toLocaleString(),
                    row.adminName,
                    row.action,
                    row.target,
                    row.result,
                    row.reason,
                  ]}
                />
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
    </Section>
  );
}

function ChatUsersPage() {
  const t = useT();
  // Bumped by every action, so that the banned lists and the log show it.
  const [version, setVersion] = React.useState(0);
  const changed = React.useCallback(() => setVersion((v) => v + 1), []);
  return (
    <Page.Main>
      <Page.Title>{t('chatUsers.title', 'Chat users')}</Page.Title>
      <Layouts.Header
        title={t('chatUsers.title', 'Chat users')}
        subtitle={t('chatUsers.subtitle', 'Who is online, who is banned, and what moderators did')}
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <OnlineUsers onBanned={changed} />
          <Banned version={version} onChange={changed} />
          <BanAccount onBanned={changed} />
          <LogSection version={version} />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}

function ProtectedChatUsersPage() {
  return (
    <Page.Protect permissions={MODERATE}>
      <ChatUsersPage />
    </Page.Protect>
  );
}

export default ProtectedChatUsersPage;
