import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`agents\` (\`name\` text not null, \`role\` text not null, \`system_prompt\` text not null, \`model\` text null, \`temperature\` real null, \`max_tokens\` integer null, \`active\` integer not null default true, \`builtin\` integer not null default false, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`name\`));`,
    );

    this.addSql(
      `create table \`workflows\` (\`id\` text not null, \`description\` text not null, \`status\` text not null, \`channel_id\` text null, \`orchestrator\` text not null, \`plan\` text null, \`results\` json null, \`error\` text null, \`metadata\` json not null, \`auto_start\` integer not null default false, \`total_tasks\` integer not null default 0, \`completed_tasks\` integer not null default 0, \`finished_tasks\` integer not null default 0, \`failed_tasks\` integer not null default 0, \`last_seq\` integer not null default 0, \`run_number\` integer not null default 0, \`input_tokens\` integer not null default 0, \`output_tokens\` integer not null default 0, \`created_at\` bigint not null, \`updated_at\` bigint not null, \`started_at\` bigint null, \`completed_at\` bigint null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`workflows_created_at_index\` on \`workflows\` (\`created_at\`);`);
    this.addSql(`create index \`workflows_status_index\` on \`workflows\` (\`status\`);`);
    this.addSql(`create index \`workflows_channel_id_index\` on \`workflows\` (\`channel_id\`);`);

    this.addSql(
      `create table \`tasks\` (\`id\` text not null, \`workflow_id\` text not null, \`key\` text not null, \`description\` text not null, \`agent\` text not null, \`order_index\` integer not null, \`depends_on\` json not null, \`dependents\` json not null, \`remaining_deps\` integer not null, \`status\` text not null, \`attempts\` integer not null default 0, \`lease\` text null, \`output\` text null, \`error\` text null, \`input_tokens\` integer not null default 0, \`output_tokens\` integer not null default 0, \`duration_ms\` integer null, \`metadata\` json not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, \`started_at\` bigint null, \`completed_at\` bigint null, constraint \`tasks_workflow_id_foreign\` foreign key(\`workflow_id\`) references \`workflows\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`tasks_workflow_id_index\` on \`tasks\` (\`workflow_id\`);`);
    this.addSql(`create index \`tasks_workflow_id_status_index\` on \`tasks\` (\`workflow_id\`, \`status\`);`);
    this.addSql(`create index \`tasks_status_index\` on \`tasks\` (\`status\`);`);
    this.addSql(`create unique index \`tasks_workflow_id_key_unique\` on \`tasks\` (\`workflow_id\`, \`key\`);`);

    this.addSql(
      `create table \`workflow_events\` (\`id\` integer not null primary key autoincrement, \`workflow_id\` text not null, \`seq\` integer not null, \`kind\` text not null, \`payload\` json not null, \`at\` bigint not null, constraint \`workflow_events_workflow_id_foreign\` foreign key(\`workflow_id\`) references \`workflows\`(\`id\`) on delete cascade on update cascade);`,
    );
    this.addSql(`create index \`workflow_events_workflow_id_index\` on \`workflow_events\` (\`workflow_id\`);`);
    this.addSql(`create unique index \`workflow_events_workflow_id_seq_unique\` on \`workflow_events\` (\`workflow_id\`, \`seq\`);`);
  }
}
