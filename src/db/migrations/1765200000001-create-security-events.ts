import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes } from './column-types.js';

/** The security log: deleted with the account, paged newest first by (user_id, id). */
export class CreateSecurityEvents1765200000001 implements MigrationInterface {
  name = 'CreateSecurityEvents1765200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { postgres, timestamp, now } = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'security_events',
        columns: [
          // Collation "C": ids compare byte-wise on both databases, so keyset paging agrees.
          { name: 'id', type: 'varchar', length: '36', isPrimary: true, ...(postgres ? { collation: 'C' } : {}) },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'at', type: timestamp, default: now },
          { name: 'address', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'session_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        indices: [
          new TableIndex({ name: 'idx_security_events_user', columnNames: ['user_id', 'id'] }),
          // Retention deletes by age across all accounts.
          new TableIndex({ name: 'idx_security_events_at', columnNames: ['at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('security_events');
  }
}
