import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes } from './column-types.js';

/**
 * Mail-based account recovery and verification: `users.email_verified_at` (null = unproven; a
 * nullable column added to a populated table rewrites nothing), and `account_tokens`, the hashes
 * of mailed links, deleted with their user.
 */
export class AccountTokens1765000000000 implements MigrationInterface {
  name = 'AccountTokens1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, now } = columnTypes(queryRunner);
    await queryRunner.addColumn(
      'users',
      new TableColumn({ name: 'email_verified_at', type: timestamp, isNullable: true }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'account_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'purpose', type: 'varchar', length: '32' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'expires_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
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
          new TableIndex({ name: 'idx_account_tokens_user_purpose', columnNames: ['user_id', 'purpose'] }),
          new TableIndex({ name: 'idx_account_tokens_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('account_tokens');
    // Plain DROP COLUMN (PostgreSQL, SQLite 3.35+) rather than TypeORM's SQLite table rebuild,
    // which drops and recreates `users` and so would cascade-delete every refresh token.
    await queryRunner.query('ALTER TABLE users DROP COLUMN email_verified_at');
  }
}
