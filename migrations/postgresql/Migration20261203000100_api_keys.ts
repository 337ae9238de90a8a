import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000100_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_keys" ("id" uuid not null, "tenant" varchar(64) not null, "name" varchar(200) null, "role" varchar(16) not null, "key_hash" varchar(64) not null, "created_at" bigint not null, "last_used_at" bigint null, "revoked_at" bigint null, constraint "api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "api_keys_tenant_index" on "api_keys" ("tenant");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);
  }
}
