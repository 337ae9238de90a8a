import { Migration } from '@mikro-orm/migrations';

/** editPlan's optimistic revision (see the PostgreSQL migration of the same name). */
export class Migration20261203000400_plan_revision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`workflows\` add column \`plan_revision\` integer not null default 0;`);
  }
}
