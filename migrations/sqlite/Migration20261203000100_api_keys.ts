import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000100_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`api_keys\` (\`id\` text not null, \`tenant\` text not null, \`name\` text null, \`role\` text not null, \`key_hash\` text not null, \`created_at\` bigint not null, \`last_used_at\` bigint null, \`revoked_at\` bigint null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`api_keys_tenant_index\` on \`api_keys\` (\`tenant\`);`);
    this.addSql(`create unique index \`api_keys_key_hash_unique\` on \`api_keys\` (\`key_hash\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`api_keys\`;`);
  }
}
