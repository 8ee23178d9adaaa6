/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    const { stageRules } = await import("./infra/stage");
    return {
      name: "railway-connections",
      home: "aws",
      version: "4.17.1",
      ...stageRules(input?.stage),
    };
  },
  async run() {
    const { table } = await import("./infra/table");
    const { alias } = await import("./infra/key");
    const { jobQueue, deadLetterQueue } = await import("./infra/queue");
    const { api } = await import("./infra/api");
    const { router } = await import("./infra/secrets");
    await import("./infra/worker");
    await import("./infra/maintenance");
    await import("./infra/webhooks");
    await import("./infra/syncs");
    await import("./infra/stream");
    await import("./infra/alarm");
    return {
      api: api.url,
      url: router.url,
      table: table.name,
      queue: jobQueue.url,
      deadLetterQueue: deadLetterQueue.url,
      key: alias.name,
    };
  },
});
