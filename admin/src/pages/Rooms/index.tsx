/**
 * The Rooms page (main menu → Chat rooms, `rooms.read`): every bound entry's room, filtered,
 * searched, sorted and paged by the server (the filter, search, sort and page live in the URL
 * as in Strapi's own list views), Retry failed and Export CSV, and the orphan rooms.
 */
import * as React from 'react';
import {
  Button,
  EmptyStateLayout,
  Flex,
  SingleSelect,
  SingleSelectOption,
} from '@strapi/design-system';
import { ArrowClockwise, Download } from '@strapi/icons';
import {
  Layouts,
  Page,
  Pagination,
  SearchInput,
  useAPIErrorHandler,
  useFetchClient,
  useNotification,
  useQueryParams,
  useRBAC,
} from '@strapi/strapi/admin';

import {
  RETRY_FAILED_LIMIT,
  ROOM_FILTERS,
  ROOM_SORTS,
  type ListRooms,
  type RetryFailedResult,
  type RoomFilter,
} from '../../../../contracts/rooms-page';
import { PERMISSIONS } from '../../../../contracts/settings';
import { useT } from '../../utils/translate';
import { OrphanRooms } from './OrphanRooms';
import { RoomsTable, type SortState } from './RoomsTable';

const READ = [{ action: PERMISSIONS.readRooms, subject: null }];
const MANAGE = [{ action: PERMISSIONS.manageRooms, subject: null }];

type Query = {
  filter?: string;
  sort?: string;
  order?: string;
  page?: string;
  pageSize?: string;
  _q?: string;
};

const oneOf = <T extends string>(values: readonly T[], value: unknown, fallback: T): T =>
  values.find((candidate) => candidate === value) ?? fallback;

/** The list request of the URL's query: known values only, the search decoded once. */
export function listQuery(query: Query): URLSearchParams {
  const params = new URLSearchParams({
    filter: oneOf(ROOM_FILTERS, query.filter, 'all'),
    sort: oneOf(ROOM_SORTS, query.sort, 'id'),
    order: query.order === 'asc' ? 'asc' : 'desc',
    page: String(Math.max(1, Number(query.page) || 1)),
    pageSize: String(Math.min(100, Math.max(1, Number(query.pageSize) || 25))),
  });
  if (query._q) {
    let q = query._q;
    try {
      q = decodeURIComponent(q);
    } catch {
      // Not encoded: taken as it is.
    }
    params.set('q', q.slice(0, 100));
  }
  return params;
}

function useRooms(params: URLSearchParams) {
  const { get } = useFetchClient();
  const { formatAPIError } = useAPIErrorHandler();
  const [state, setState] = React.useState<
    | { kind: 'loading' }
    | { kind: 'error'; message: string }
    | { kind: 'ready'; answer: ListRooms.Response }
  >({ kind: 'loading' });
  const key = params.toString();
  const latest = React.useRef(key);
  latest.current = key;
  const load = React.useCallback(async () => {
    try {
      const { data } = await get<ListRooms.Response>(`/iflychat/rooms/list?${key}`);
      if (latest.current === key) setState({ kind: 'ready', answer: data });
    } catch (error) {
      if (latest.current === key)
        setState({ kind: 'error', message: formatAPIError(error as never) });
    }
  }, [get, formatAPIError, key]);
  React.useEffect(() => {
    void load();
  }, [load]);
  return { state, reload: load };
}

function FilterSelect({
  value,
  onChange,
}: {
  value: RoomFilter;
  onChange: (filter: RoomFilter) => void;
}) {
  const t = useT();
  const labels: Record<RoomFilter, string> = {
    all: t('rooms.filter.all', 'All rooms'),
    failed: t('rooms.filter.failed', 'Failed'),
    retrying: t('rooms.filter.retrying', 'Retrying'),
    noRoom: t('rooms.filter.noRoom', 'No room'),
    unpublishedWithRoom: t('rooms.filter.unpublishedWithRoom', 'Unpublished with a room'),
  };
  return (
    <SingleSelect
      aria-label={t('rooms.filter.label', 'Show')}
      size="S"
      value={value}
      onChange={(next: string | number) => onChange(oneOf(ROOM_FILTERS, next, 'all'))}
    >
      {ROOM_FILTERS.map((filter) => (
        <SingleSelectOption key={filter} value={filter}>
          {labels[filter]}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  );
}

function useHeaderActions(params: URLSearchParams, reload: () => Promise<void>) {
  const t = useT();
  const { get, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { formatAPIError } = useAPIErrorHandler();
  const [busy, setBusy] = React.useState<'retry' | 'export' | null>(null);
  const retryFailed = async () => {
    setBusy('retry');
    try {
      const { data } = await post<{ data: RetryFailedResult }>('/iflychat/rooms/retry-failed', {});
      const { retried, remaining } = data.data;
      toggleNotification({
        type: remaining > 0 ? 'info' : 'success',
        message:
          remaining > 0
            ? t(
                'rooms.retriedSome',
                '{count, plural, one {# failed room} other {# failed rooms}} queued again (at most {limit} at a time); {remaining} more remain: press Retry failed again',
                { count: retried, remaining, limit: RETRY_FAILED_LIMIT }
              )
            : t(
                'rooms.retried',
                '{count, plural, one {# failed room} other {# failed rooms}} queued again',
                { count: retried }
              ),
      });
      await reload();
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(null);
    }
  };
  const exportCsv = async () => {
    setBusy('export');
    try {
      const exported = new URLSearchParams(params);
      exported.delete('page');
      exported.delete('pageSize');
      const { data } = await get(`/iflychat/rooms/export?${exported.toString()}`, {
        responseType: 'blob',
      });
      const url = URL.createObjectURL(data);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = 'iflychat-rooms.csv';
      anchor.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      toggleNotification({ type: 'danger', message: formatAPIError(error as never) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, retryFailed, exportCsv };
}

function RoomsPage() {
  const t = useT();
  const [{ query }, setQuery] = useQueryParams<Query>();
  const params = listQuery(query ?? {});
  const { state, reload } = useRooms(params);
  const {
    allowedActions: { canManage },
  } = useRBAC(MANAGE);
  const { busy, retryFailed, exportCsv } = useHeaderActions(params, reload);
  const sort: SortState = {
    sort: oneOf(ROOM_SORTS, params.get('sort'), 'id'),
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
  const total = state.kind === 'ready' ? state.answer.meta.pagination.total : 0;

  return (
    <Page.Main>
      <Page.Title>{t('rooms.title', 'Chat rooms')}</Page.Title>
      <Layouts.Header
        title={t('rooms.title', 'Chat rooms')}
        subtitle={t('rooms.subtitle', '{total, plural, one {# room} other {# rooms}} found', {
          total,
        })}
        primaryAction={
          canManage ? (
            <Button
              startIcon={<ArrowClockwise />}
              loading={busy === 'retry'}
              onClick={() => void retryFailed()}
            >
              {t('rooms.retryFailed', 'Retry failed')}
            </Button>
          ) : undefined
        }
        secondaryAction={
          <Button
            variant="tertiary"
            startIcon={<Download />}
            loading={busy === 'export'}
            onClick={() => void exportCsv()}
          >
            {t('rooms.export', 'Export CSV')}
          </Button>
        }
      />
      <Layouts.Action
        startActions={
          <Flex gap={2}>
            <SearchInput label={t('rooms.search', 'Search by room name, room id or document id')} />
            <FilterSelect
              value={oneOf(ROOM_FILTERS, params.get('filter'), 'all')}
              onChange={(filter) => setQuery({ filter, page: '1' })}
            />
          </Flex>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {state.kind === 'error' ? <Page.Error /> : null}
          {state.kind === 'loading' ? <Page.Loading /> : null}
          {state.kind === 'ready' && state.answer.data.length === 0 ? (
            <EmptyStateLayout content={t('rooms.empty', 'No room matches')} />
          ) : null}
          {state.kind === 'ready' && state.answer.data.length > 0 ? (
            <Flex direction="column" alignItems="stretch" gap={4}>
              <RoomsTable
                rows={state.answer.data}
                sort={sort}
                onSort={(next) => setQuery({ ...next, page: '1' })}
              />
              <Pagination.Root {...state.answer.meta.pagination}>
                <Pagination.PageSize options={['10', '25', '50', '100']} />
                <Pagination.Links />
              </Pagination.Root>
            </Flex>
          ) : null}
          <OrphanRooms canManage={Boolean(canManage)} />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}

function ProtectedRoomsPage() {
  return (
    <Page.Protect permissions={READ}>
      <RoomsPage />
    </Page.Protect>
  );
}

export default ProtectedRoomsPage;
