import { builder } from './builder.ts';

export const Health = builder.simpleObject('Health', {
  fields: (t) => ({
    ok: t.boolean({ description: 'The database is reachable, and Redis too when configured.' }),
    database: t.boolean(),
    redis: t.boolean({ nullable: true, description: 'null when Redis is not configured (embedded mode).' }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    resolve: async (_root, _args, ctx) => {
      const h = await ctx.services.health();
      return { ok: h.database && h.redis !== false, database: h.database, redis: h.redis };
    },
  }),
);
