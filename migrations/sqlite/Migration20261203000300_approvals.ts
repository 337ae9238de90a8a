import { Migration } from '@mikro-orm/migrations';

/** Approvals (see the PostgreSQL migration of the same name); SQLite's text status needs no widening. */
export class Migration20261203000300_approvals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`tasks\` add column \`approval\` text not null default 'NONE';`);
    this.addSql(`alter table \`tasks\` add column \`feedback\` text null;`);
  }
}
