import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants (see the PostgreSQL migration of the same name). SQLite cannot change a primary key,
 * so agents is rebuilt. workflows is altered in place: rebuilding it would drop the table that
 * tasks and events reference (with foreign keys on, a cascade delete of them), so its tenant
 * column keeps a default of 'default' here; Baton names the tenant on every insert anyway.
 */
export class Migration20261203000200_tenants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`workflows\` add column \`tenant\` text not null default 'default';`);
    this.addSql(`alter table \`workflows\` add column \`idempotency_key\` text null;`);
    this.addSql(`create index \`workflows_tenant_created_at_index\` on \`workflows\` (\`tenant\`, \`created_at\`);`);
    this.addSql(`create unique index \`workflows_tenant_idempotency_key_unique\` on \`workflows\` (\`tenant\`, \`idempotency_key\`);`);

    this.addSql(
      `create table \`agents__new\` (\`tenant\` text not null, \`name\` text not null, \`role\` text not null, \`system_prompt\` text not null, \`model\` text null, \`temperature\` real null, \`max_tokens\` integer null, \`active\` integer not null default true, \`builtin\` integer not null default false, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`tenant\`, \`name\`));`,
    );
    this.addSql(
      `insert into \`agents__new\` (\`tenant\`, \`name\`, \`role\`, \`system_prompt\`, \`model\`, \`temperature\`, \`max_tokens\`, \`active\`, \`builtin\`, \`created_at\`, \`updated_at\`) select case when \`builtin\` and \`updated_at\` = \`created_at\` then '*' else 'default' end, \`name\`, \`role\`, \`system_prompt\`, \`model\`, \`temperature\`, \`max_tokens\`, \`active\`, \`builtin\`, \`created_at\`, \`updated_at\` from \`agents\`;`,
    );
    this.addSql(`drop table \`agents\`;`);
    this.addSql(`alter table \`agents__new\` rename to \`agents\`;`);
  }
}
