import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * An index on users.created_at: "accounts created since ..." (admin views, sign-up reports,
 * retention jobs) read a range of it instead of scanning the whole table. Adding an index
 * rewrites no rows, so it is safe on a populated table on both databases.
 */
export class IndexUsersCreatedAt1764000000000 implements MigrationInterface {
  name = 'IndexUsersCreatedAt1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'users',
      new TableIndex({ name: 'idx_users_created_at', columnNames: ['created_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('users', 'idx_users_created_at');
  }
}
