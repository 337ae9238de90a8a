import { Migration } from '@mikro-orm/migrations';

/** rerunTask keeps a task's earlier runs readable (Task.history): one JSON entry per earlier run. */
export class Migration20261203000500_task_history extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tasks" add column "history" jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tasks" drop column "history";`);
  }
}
