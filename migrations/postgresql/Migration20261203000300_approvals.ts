import { Migration } from '@mikro-orm/migrations';

/**
 * Approvals (issue #14): a task's approval mode (NONE, BEFORE_RUN, AFTER_RUN) and the feedback of a
 * requestChanges for its next run; task statuses grow to AWAITING_APPROVAL (17 characters).
 */
export class Migration20261203000300_approvals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tasks" alter column "status" type varchar(32);`);
    this.addSql(`alter table "tasks" add column "approval" varchar(16) not null default 'NONE';`);
    this.addSql(`alter table "tasks" add column "feedback" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tasks" drop column "feedback";`);
    this.addSql(`alter table "tasks" drop column "approval";`);
    this.addSql(`alter table "tasks" alter column "status" type varchar(16);`);
  }
}
