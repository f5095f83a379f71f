import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes } from './column-types.js';

const userFk = () =>
  new TableForeignKey({
    columnNames: ['user_id'],
    referencedTableName: 'users',
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  });

/**
 * Passkeys (WebAuthn): the credentials, each account's opaque user handle, and the open
 * ceremonies' challenges (hashed). All of them go with their user.
 */
export class CreatePasskeys1765300000000 implements MigrationInterface {
  name = 'CreatePasskeys1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, now } = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'passkeys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'credential_id', type: 'varchar', length: '1400', isUnique: true },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint', default: 0 },
          { name: 'transports', type: 'varchar', length: '255', default: "''" },
          { name: 'backup_eligible', type: 'boolean', default: false },
          { name: 'backed_up', type: 'boolean', default: false },
          { name: 'aaguid', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100', isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
          { name: 'last_used_at', type: timestamp, isNullable: true },
        ],
        foreignKeys: [userFk()],
        indices: [new TableIndex({ name: 'idx_passkeys_user', columnNames: ['user_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webauthn_users',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'handle', type: 'varchar', length: '64', isUnique: true },
          { name: 'created_at', type: timestamp, default: now },
        ],
        foreignKeys: [userFk()],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webauthn_challenges',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'challenge_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'purpose', type: 'varchar', length: '16' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'expires_at', type: timestamp },
          { name: 'consumed_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
        ],
        foreignKeys: [userFk()],
        // Housekeeping deletes by expiry across all ceremonies.
        indices: [new TableIndex({ name: 'idx_webauthn_challenges_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webauthn_challenges');
    await queryRunner.dropTable('webauthn_users');
    await queryRunner.dropTable('passkeys');
  }
}
