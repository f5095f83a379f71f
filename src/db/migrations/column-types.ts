import type { QueryRunner } from 'typeorm';

/** The few column details that differ between SQLite and PostgreSQL, so one migration serves both. */
export function columnTypes(queryRunner: QueryRunner) {
  const postgres = queryRunner.connection.driver.options.type === 'postgres';
  return {
    postgres,
    timestamp: postgres ? 'timestamptz' : 'datetime',
    /** Default "now", with milliseconds on SQLite (CURRENT_TIMESTAMP has whole seconds). */
    now: postgres ? 'now()' : "(STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW'))",
  };
}
