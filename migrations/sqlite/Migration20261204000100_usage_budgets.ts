import { Migration } from '@mikro-orm/migrations';

/** Usage and budgets (#15): see the PostgreSQL migration of the same name. */
export class Migration20261204000100_usage_budgets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`workflows\` add column \`cost_usd\` real not null default 0;`);
    this.addSql(`alter table \`workflows\` add column \`budget\` json null;`);
    this.addSql(`alter table \`workflows\` add column \`budget_state\` integer not null default 0;`);
    this.addSql(`alter table \`agents\` add column \`price\` json null;`);
    this.addSql(
      `create table \`model_calls\` (\`id\` text not null, \`workflow_id\` text not null, \`task_id\` text null, \`attempt\` integer not null, \`agent\` text not null, \`model\` text not null, \`input_tokens\` integer not null default 0, \`output_tokens\` integer not null default 0, \`cost_usd\` real not null default 0, \`priced\` integer not null, \`estimated\` integer not null, \`started_at\` bigint not null, \`updated_at\` bigint not null, constraint \`model_calls_workflow_id_foreign\` foreign key(\`workflow_id\`) references \`workflows\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`model_calls_workflow_id_task_id_index\` on \`model_calls\` (\`workflow_id\`, \`task_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`model_calls\`;`);
    this.addSql(`alter table \`agents\` drop column \`price\`;`);
    this.addSql(`alter table \`workflows\` drop column \`budget_state\`;`);
    this.addSql(`alter table \`workflows\` drop column \`budget\`;`);
    this.addSql(`alter table \`workflows\` drop column \`cost_usd\`;`);
  }
}
