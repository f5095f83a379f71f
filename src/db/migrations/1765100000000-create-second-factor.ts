import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes } from './column-types.js';

const userFk = () =>
  new TableForeignKey({
    columnNames: ['user_id'],
    referencedTableName: 'users',
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  });

/**
 * The second factor: TOTP authenticators, recovery codes and login challenges (all deleted with
 * their user), and on each refresh token the sign-in's `auth_time` and `amr`, so a refresh keeps
 * them. Existing refresh tokens get nulls: their next access tokens carry no `auth_time`, which
 * step-up fields treat as not recent (sign in or reauthenticate), never as fresh.
 */
export class CreateSecondFactor1765100000000 implements MigrationInterface {
  name = 'CreateSecondFactor1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, now } = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'totp_factors',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'secret', type: 'varchar', length: '255' },
          { name: 'enabled_at', type: timestamp, isNullable: true },
          { name: 'last_used_step', type: 'integer', isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
        ],
        foreignKeys: [userFk()],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'recovery_codes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'used_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
        ],
        foreignKeys: [userFk()],
        indices: [new TableIndex({ name: 'idx_recovery_codes_user_hash', columnNames: ['user_id', 'code_hash'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_challenges',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'token_version', type: 'integer' },
          { name: 'failed_attempts', type: 'integer', default: 0 },
          { name: 'expires_at', type: timestamp },
          { name: 'consumed_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: now },
        ],
        foreignKeys: [userFk()],
        indices: [new TableIndex({ name: 'idx_mfa_challenges_user', columnNames: ['user_id'] })],
      }),
    );
    await queryRunner.addColumns('refresh_tokens', [
      new TableColumn({ name: 'auth_time', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'amr', type: 'varchar', length: '64', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('refresh_tokens', ['auth_time', 'amr']);
    await queryRunner.dropTable('mfa_challenges');
    await queryRunner.dropTable('recovery_codes');
    await queryRunner.dropTable('totp_factors');
  }
}
