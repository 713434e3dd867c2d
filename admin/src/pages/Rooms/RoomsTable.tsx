/** The Rooms page's table: one row per entry (or locale) and its room, sortable by column. */
import { Badge, Link, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { CaretDown, CaretUp } from '@strapi/icons';
import { Link as RouterLink } from 'react-router-dom';

import type { RoomRow, RoomSort } from '../../../../contracts/rooms-page';
import { useT } from '../../utils/translate';

export interface SortState {
  sort: RoomSort;
  order: 'asc' | 'desc';
}

/** The entry's edit view in the Content Manager, in the room's locale. */
export function entryPath(row: RoomRow): string {
  const kind = row.kind === 'singleType' ? 'single-types' : 'collection-types';
  const base =
    row.kind === 'singleType'
      ? `/content-manager/${kind}/${row.uid}`
      : `/content-manager/${kind}/${row.uid}/${row.documentId}`;
  return row.locale ? `${base}?plugins[i18n][locale]=${encodeURIComponent(row.locale)}` : base;
}

const STATUS_COLORS: Record<string, { text: string; background: string }> = {
  created: { text: 'success700', background: 'success100' },
  failed: { text: 'danger700', background: 'danger100' },
  retrying: { text: 'warning700', background: 'warning100' },
};

function StatusBadge({ status }: { status: RoomRow['status'] }) {
  const t = useT();
  const colors = Object.hasOwn(STATUS_COLORS, status)
    ? STATUS_COLORS[status]
    : { text: 'neutral700', background: 'neutral150' };
  const labels: Record<RoomRow['status'], string> = {
    pending: t('rooms.status.pending', 'Pending'),
    processing: t('rooms.status.processing', 'Processing'),
    retrying: t('rooms.status.retrying', 'Retrying'),
    created: t('rooms.status.created', 'Created'),
    failed: t('rooms.status.failed', 'Failed'),
    unlinked: t('rooms.status.unlinked', 'Unlinked'),
  };
  return (
    <Badge textColor={colors.text} backgroundColor={colors.background}>
      {labels[status]}
    </Badge>
  );
}

function SortableTh(props: {
  column: RoomSort | null;
  label: string;
  sort: SortState;
  onSort: (sort: SortState) => void;
}) {
  const { column, label, sort, onSort } = props;
  if (!column) {
    return (
      <Th>
        <Typography variant="sigma">{label}</Typography>
      </Th>
    );
  }
  const active = sort.sort === column;
  const next: SortState = { sort: column, order: active && sort.order === 'asc' ? 'desc' : 'asc' };
  const Icon = active && sort.order === 'asc' ? CaretUp : CaretDown;
  return (
    <Th>
      <button
        type="button"
        onClick={() => onSort(next)}
        style={{ all: 'unset', cursor: 'pointer', display: 'inline-flex', gap: 4 }}
        aria-label={`${label}: sort ${next.order === 'asc' ? 'ascending' : 'descending'}`}
      >
        <Typography variant="sigma" textColor={active ? 'primary600' : undefined}>
          {label}
        </Typography>
        {active ? <Icon width="1.2rem" height="1.2rem" /> : null}
      </button>
    </Th>
  );
}

function RoomTableRow({ row }: { row: RoomRow }) {
  const t = useT();
  const title = row.title ?? row.documentId;
  return (
    <Tr>
      <Td>
        <Typography textColor="neutral800">{row.typeName}</Typography>
      </Td>
      <Td>
        {row.kind ? (
          <Link tag={RouterLink} to={entryPath(row)}>
            {title}
          </Link>
        ) : (
          <Typography>{title}</Typography>
        )}
        {row.published === false ? (
          <Typography variant="pi" textColor="neutral600">
            {' '}
            {t('rooms.unpublished', '(not published)')}
          </Typography>
        ) : null}
      </Td>
      <Td>
        <Typography>{row.locale ?? '—'}</Typography>
      </Td>
      <Td>
        <Typography>{row.roomId ?? t('rooms.noRoom', 'No room')}</Typography>
      </Td>
      <Td>
        <StatusBadge status={row.status} />
      </Td>
      <Td>
        <Typography>{row.attempts}</Typography>
      </Td>
      <Td style={{ maxWidth: '28rem', whiteSpace: 'normal' }}>
        <Typography variant="pi">{row.lastError ?? '—'}</Typography>
      </Td>
      <Td>
        <Typography>{row.syncedAt ? new Date(row.syncedAt).toLocaleString() : '—'}</Typography>
      </Td>
    </Tr>
  );
}

export function RoomsTable(props: {
  rows: RoomRow[];
  sort: SortState;
  onSort: (sort: SortState) => void;
}) {
  const t = useT();
  const columns: Array<[RoomSort | null, string]> = [
    ['contentType', t('rooms.column.type', 'Type')],
    [null, t('rooms.column.entry', 'Entry')],
    [null, t('rooms.column.locale', 'Locale')],
    ['roomId', t('rooms.column.roomId', 'Room id')],
    ['status', t('rooms.column.status', 'Status')],
    ['attempts', t('rooms.column.attempts', 'Attempts')],
    [null, t('rooms.column.reason', 'Last reason')],
    ['syncedAt', t('rooms.column.syncedAt', 'Last sync')],
  ];
  return (
    <Table colCount={columns.length} rowCount={props.rows.length + 1}>
      <Thead>
        <Tr>
          {columns.map(([column, label]) => (
            <SortableTh
              key={label}
              column={column}
              label={label}
              sort={props.sort}
              onSort={props.onSort}
            />
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {props.rows.map((row) => (
          <RoomTableRow key={row.id} row={row} />
        ))}
      </Tbody>
    </Table>
  );
}
