import { Migration } from '@mikro-orm/migrations';

/** Tools (#16): see the PostgreSQL migration of the same name. */
export class Migration20261203001600_tools extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`agents\` add column \`tools\` json null;`);
    this.addSql(`update \`agents\` set \`tools\` = '["workspace"]' where \`builtin\`;`);

    this.addSql(
      `create table \`workspace_files\` (\`id\` integer not null primary key autoincrement, \`workflow_id\` text not null, \`path\` text not null, \`content\` text not null, \`size\` integer not null, \`written_by\` text null, \`updated_at\` bigint not null, constraint \`workspace_files_workflow_id_foreign\` foreign key(\`workflow_id\`) references \`workflows\`(\`id\`) on delete cascade on update cascade);`,
    );
    this.addSql(`create unique index \`workspace_files_workflow_id_path_unique\` on \`workspace_files\` (\`workflow_id\`, \`path\`);`);

    this.addSql(
      `create table \`tool_servers\` (\`id\` text not null, \`tenant\` text not null, \`name\` text not null, \`transport\` text not null, \`command\` text null, \`args\` json not null, \`env\` json not null, \`url\` text null, \`timeout_ms\` integer not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`tool_servers_tenant_name_unique\` on \`tool_servers\` (\`tenant\`, \`name\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`tool_servers\`;`);
    this.addSql(`drop table if exists \`workspace_files\`;`);
    this.addSql(`alter table \`agents\` drop column \`tools\`;`);
  }
}
