/**
 * The database's own time, in epoch milliseconds, as an SQL expression: conditions on leases and
 * due times are decided on one clock that every instance shares, whatever its zone or drift.
 */
export function nowMsSql(client: string): string {
  if (client === 'postgres') return 'cast(extract(epoch from clock_timestamp()) * 1000 as bigint)';
  if (client === 'mysql') return 'cast(unix_timestamp(now(3)) * 1000 as signed)';
  return "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
}
