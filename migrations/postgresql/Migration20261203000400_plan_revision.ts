import { Migration } from '@mikro-orm/migrations';

/** editPlan's optimistic revision (issue #14): each edit of a workflow's plan adds one. */
export class Migration20261203000400_plan_revision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "workflows" add column "plan_revision" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "workflows" drop column "plan_revision";`);
  }
}
