import { Migration } from '@mikro-orm/migrations';

/**
 * Usage and budgets (#15): every model call is a row (its tokens and cost, recorded while it
 * streams), a workflow keeps running totals beside its budget, and an agent may carry its own price.
 */
export class Migration20261204000100_usage_budgets extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "workflows" add column "cost_usd" double precision not null default 0, add column "budget" jsonb null, add column "budget_state" int not null default 0;`,
    );
    this.addSql(`alter table "agents" add column "price" jsonb null;`);
    this.addSql(
      `create table "model_calls" ("id" uuid not null, "workflow_id" uuid not null, "task_id" uuid null, "attempt" int not null, "agent" varchar(64) not null, "model" varchar(220) not null, "input_tokens" bigint not null default 0, "output_tokens" bigint not null default 0, "cost_usd" double precision not null default 0, "priced" boolean not null, "estimated" boolean not null, "started_at" bigint not null, "updated_at" bigint not null, constraint "model_calls_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "model_calls_workflow_id_task_id_index" on "model_calls" ("workflow_id", "task_id");`);
    this.addSql(
      `alter table "model_calls" add constraint "model_calls_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "model_calls" cascade;`);
    this.addSql(`alter table "agents" drop column "price";`);
    this.addSql(`alter table "workflows" drop column "cost_usd", drop column "budget", drop column "budget_state";`);
  }
}
