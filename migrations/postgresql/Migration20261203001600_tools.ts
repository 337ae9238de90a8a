import { Migration } from '@mikro-orm/migrations';

/**
 * Tools (#16): agents name the tool sets they use (the built-ins get the workspace), tool servers
 * are rows per tenant, and a workflow's workspace files live in the database in PostgreSQL mode.
 */
export class Migration20261203001600_tools extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "agents" add column "tools" jsonb null;`);
    this.addSql(`update "agents" set "tools" = '["workspace"]' where "builtin" = true;`);

    this.addSql(
      `create table "workspace_files" ("id" bigserial primary key, "workflow_id" uuid not null, "path" varchar(240) not null, "content" text not null, "size" int not null, "written_by" varchar(64) null, "updated_at" bigint not null);`,
    );
    this.addSql(`alter table "workspace_files" add constraint "workspace_files_workflow_id_path_unique" unique ("workflow_id", "path");`);
    this.addSql(
      `alter table "workspace_files" add constraint "workspace_files_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `create table "tool_servers" ("id" uuid not null, "tenant" varchar(64) not null, "name" varchar(64) not null, "transport" varchar(8) not null, "command" varchar(200) null, "args" jsonb not null, "env" jsonb not null, "url" varchar(2000) null, "timeout_ms" int not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "tool_servers_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "tool_servers" add constraint "tool_servers_tenant_name_unique" unique ("tenant", "name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tool_servers" cascade;`);
    this.addSql(`drop table if exists "workspace_files" cascade;`);
    this.addSql(`alter table "agents" drop column "tools";`);
  }
}
