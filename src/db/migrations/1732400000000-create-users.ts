import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columnTypes } from './column-types.js';

/** The first schema. Written with TypeORM's Table API so one migration serves SQLite and PostgreSQL. */
export class CreateUsers1732400000000 implements MigrationInterface {
  name = 'CreateUsers1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { postgres, timestamp, now } = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          // Collation "C" on PostgreSQL: ids are compared byte-wise, as SQLite does, so paging by id agrees.
          { name: 'id', type: 'varchar', length: '36', isPrimary: true, ...(postgres ? { collation: 'C' } : {}) },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'role', type: 'varchar', length: '16', default: "'USER'" },
          { name: 'token_version', type: 'integer', default: 0 },
          { name: 'created_at', type: timestamp, default: now },
          { name: 'updated_at', type: timestamp, default: now },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
