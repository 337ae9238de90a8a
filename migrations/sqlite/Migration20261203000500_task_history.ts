import { Migration } from '@mikro-orm/migrations';

/** rerunTask's task history (see the PostgreSQL migration of the same name). */
export class Migration20261203000500_task_history extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`tasks\` add column \`history\` json not null default '[]';`);
  }
}
