import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "agents" ("name" varchar(64) not null, "role" varchar(200) not null, "system_prompt" text not null, "model" varchar(200) null, "temperature" real null, "max_tokens" int null, "active" boolean not null default true, "builtin" boolean not null default false, "created_at" bigint not null, "updated_at" bigint not null, constraint "agents_pkey" primary key ("name"));`,
    );

    this.addSql(
      `create table "workflows" ("id" uuid not null, "description" text not null, "status" varchar(16) not null, "channel_id" varchar(128) null, "orchestrator" varchar(64) not null, "plan" text null, "results" jsonb null, "error" text null, "metadata" jsonb not null, "auto_start" boolean not null default false, "total_tasks" int not null default 0, "completed_tasks" int not null default 0, "finished_tasks" int not null default 0, "failed_tasks" int not null default 0, "last_seq" int not null default 0, "run_number" int not null default 0, "input_tokens" int not null default 0, "output_tokens" int not null default 0, "created_at" bigint not null, "updated_at" bigint not null, "started_at" bigint null, "completed_at" bigint null, constraint "workflows_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "workflows_created_at_index" on "workflows" ("created_at");`);
    this.addSql(`create index "workflows_status_index" on "workflows" ("status");`);
    this.addSql(`create index "workflows_channel_id_index" on "workflows" ("channel_id");`);

    this.addSql(
      `create table "tasks" ("id" uuid not null, "workflow_id" uuid not null, "key" varchar(64) not null, "description" text not null, "agent" varchar(64) not null, "order_index" int not null, "depends_on" jsonb not null, "dependents" jsonb not null, "remaining_deps" int not null, "status" varchar(16) not null, "attempts" int not null default 0, "lease" varchar(64) null, "output" text null, "error" text null, "input_tokens" int not null default 0, "output_tokens" int not null default 0, "duration_ms" int null, "metadata" jsonb not null, "created_at" bigint not null, "updated_at" bigint not null, "started_at" bigint null, "completed_at" bigint null, constraint "tasks_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tasks_workflow_id_status_index" on "tasks" ("workflow_id", "status");`);
    this.addSql(`create index "tasks_status_index" on "tasks" ("status");`);
    this.addSql(`alter table "tasks" add constraint "tasks_workflow_id_key_unique" unique ("workflow_id", "key");`);

    this.addSql(
      `create table "workflow_events" ("id" bigserial primary key, "workflow_id" uuid not null, "seq" int not null, "kind" varchar(32) not null, "payload" jsonb not null, "at" bigint not null);`,
    );
    this.addSql(`alter table "workflow_events" add constraint "workflow_events_workflow_id_seq_unique" unique ("workflow_id", "seq");`);

    this.addSql(`alter table "tasks" add constraint "tasks_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade;`);

    this.addSql(
      `alter table "workflow_events" add constraint "workflow_events_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tasks" drop constraint "tasks_workflow_id_foreign";`);

    this.addSql(`alter table "workflow_events" drop constraint "workflow_events_workflow_id_foreign";`);

    this.addSql(`drop table if exists "agents" cascade;`);

    this.addSql(`drop table if exists "workflows" cascade;`);

    this.addSql(`drop table if exists "tasks" cascade;`);

    this.addSql(`drop table if exists "workflow_events" cascade;`);
  }
}
