import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes } from './column-types.js';

/**
 * Sessions: one row per sign-in, whose id is the refresh-token family id and the access tokens'
 * `sid`. Families that exist already become sessions (created and last used from their tokens),
 * so nobody signed in before the upgrade disappears from their own session list.
 */
export class CreateSessions1765200000000 implements MigrationInterface {
  name = 'CreateSessions1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { postgres, timestamp, now } = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true, ...(postgres ? { collation: 'C' } : {}) },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: timestamp, default: now },
          { name: 'last_used_at', type: timestamp, default: now },
          { name: 'expires_at', type: timestamp },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'address', type: 'varchar', length: '64', isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        indices: [new TableIndex({ name: 'idx_sessions_user', columnNames: ['user_id'] })],
      }),
    );
    // A family is revoked when all its tokens are (COUNT(revoked_at) counts the non-null ones).
    await queryRunner.query(
      `INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at)
       SELECT family_id, user_id, MIN(created_at), MAX(created_at), MAX(expires_at),
              CASE WHEN COUNT(*) = COUNT(revoked_at) THEN MAX(revoked_at) END
       FROM refresh_tokens GROUP BY family_id, user_id`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions');
  }
}
