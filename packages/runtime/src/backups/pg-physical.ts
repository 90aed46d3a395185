// PostgreSQL's physical path (pg_basebackup, WAL archiving, point-in-time recovery; docs/backups.md)
// is run by PostgreSQL's own programs. What Runledger reads of it is the archiver's progress: how old
// the newest archived WAL segment is bounds what a loss of the server would take with it.

/** The part of a pg Client or Pool this needs. */
export interface PgQueryable {
  query(text: string): Promise<{ rows: unknown[] }>;
}

export interface PgArchiveStatus {
  /** archive_mode: off, on or always. */
  readonly archiveMode: string;
  readonly archivedCount: number;
  readonly lastArchivedWal: string | null;
  /** ISO time of the last successful archive_command. */
  readonly lastArchivedTime: string | null;
  /**
   * now() − last_archived_time, on the server's clock: the age of the newest point a recovery from the
   * archive can reach. It is an upper bound: an idle server writes no WAL and archives nothing, yet has
   * nothing at risk (archive_timeout bounds it on a busy one). Null when nothing was ever archived.
   */
  readonly rpoSeconds: number | null;
  readonly failedCount: number;
  readonly lastFailedWal: string | null;
  readonly lastFailedTime: string | null;
  /** The last attempt failed (a failure newer than the last success): WAL piles up in pg_wal until it is fixed. */
  readonly failing: boolean;
}

interface Row {
  archive_mode: string;
  archived_count: string | number;
  last_archived_wal: string | null;
  last_archived_time: Date | null;
  failed_count: string | number;
  last_failed_wal: string | null;
  last_failed_time: Date | null;
  age: number | null;
}

/** Reads pg_stat_archiver (any role may). */
export async function pgArchiveStatus(db: PgQueryable): Promise<PgArchiveStatus> {
  const r = await db.query(
    `SELECT current_setting('archive_mode') AS archive_mode, a.archived_count, a.last_archived_wal, a.last_archived_time,
            a.failed_count, a.last_failed_wal, a.last_failed_time,
            extract(epoch FROM now() - a.last_archived_time)::float8 AS age
       FROM pg_stat_archiver a`,
  );
  const row = r.rows[0] as Row;
  const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
  return {
    archiveMode: row.archive_mode,
    archivedCount: Number(row.archived_count),
    lastArchivedWal: row.last_archived_wal,
    lastArchivedTime: iso(row.last_archived_time),
    // A server clock behind the archive time counts as 0, not a negative age.
    rpoSeconds: row.age === null ? null : Math.max(0, row.age),
    failedCount: Number(row.failed_count),
    lastFailedWal: row.last_failed_wal,
    lastFailedTime: iso(row.last_failed_time),
    failing: row.last_failed_time !== null && (row.last_archived_time === null || row.last_failed_time > row.last_archived_time),
  };
}
