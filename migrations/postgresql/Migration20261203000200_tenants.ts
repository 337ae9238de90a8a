import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants. Every workflow belongs to one (its tasks and events through it); agents are keyed by
 * (tenant, name). Rows that existed before belong to tenant `default`, except built-in agents
 * nobody edited, which become the templates (tenant `*`) every tenant reads until it edits its own
 * copy. Workflows also get an optional idempotency key, unique per tenant.
 */
export class Migration20261203000200_tenants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "workflows" add column "tenant" varchar(64) not null default 'default';`);
    // Every insert names its tenant: no default left to put a forgotten one in `default`.
    this.addSql(`alter table "workflows" alter column "tenant" drop default;`);
    this.addSql(`alter table "workflows" add column "idempotency_key" varchar(200) null;`);
    this.addSql(`create index "workflows_tenant_created_at_index" on "workflows" ("tenant", "created_at");`);
    this.addSql(`create unique index "workflows_tenant_idempotency_key_unique" on "workflows" ("tenant", "idempotency_key");`);

    this.addSql(`alter table "agents" add column "tenant" varchar(64) not null default 'default';`);
    this.addSql(`update "agents" set "tenant" = '*' where "builtin" = true and "updated_at" = "created_at";`);
    this.addSql(`alter table "agents" alter column "tenant" drop default;`);
    this.addSql(`alter table "agents" drop constraint "agents_pkey";`);
    this.addSql(`alter table "agents" add constraint "agents_pkey" primary key ("tenant", "name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "agents" a where a."tenant" = '*' and exists (select 1 from "agents" b where b."name" = a."name" and b."tenant" <> '*');`);
    this.addSql(`delete from "agents" a where a."tenant" not in ('*', 'default');`);
    this.addSql(`alter table "agents" drop constraint "agents_pkey";`);
    this.addSql(`alter table "agents" drop column "tenant";`);
    this.addSql(`alter table "agents" add constraint "agents_pkey" primary key ("name");`);
    this.addSql(`drop index "workflows_tenant_idempotency_key_unique";`);
    this.addSql(`drop index "workflows_tenant_created_at_index";`);
    this.addSql(`alter table "workflows" drop column "idempotency_key";`);
    this.addSql(`alter table "workflows" drop column "tenant";`);
  }
}
