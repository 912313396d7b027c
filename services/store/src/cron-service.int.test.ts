/**
 * CronService on real Postgres through the real routes: a cron records its
 * creator as owner and its next firing, computed in UTC from the schedule;
 * a new schedule moves the next firing; end_time bounds it.
 */
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { CronService } from "@gatehouse/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextRunAfter } from "./cron-schedule.js";
import type { Database } from "./sql/database.js";
import { createInMemoryStore } from "./testing/in-memory-store.js";
import { createMigratedDatabase, type MigratedDatabase } from "./testing/migrated-database.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("CronService records owners and next firings, on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;
  let crons: ReturnType<typeof createClient<typeof CronService>>;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_cron_service", 2);
    db = database.db;
    crons = createClient(CronService, createInMemoryStore(db, () => "allow").transport);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("CreateCron stores the caller's user record as owner and answers its identity and the next firing", async () => {
    const before = new Date();
    const { cron } = await crons.createCron({ assistantId: "agent", schedule: "30 9 * * 1" });
    expect(cron!.userId).toBe("user-1");
    const next = timestampDate(cron!.nextRunDate!);
    expect(next.getTime()).toBe(nextRunAfter("30 9 * * 1", before)!.getTime());
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 9, 30]);
    const { rows } = await db.query("SELECT owner FROM crons WHERE cron_id = $1", [cron!.cronId]);
    expect(rows[0].owner).toEqual({ identity: "user-1", display_name: "user-1", is_authenticated: true, permissions: [] });
  });

  it("UpdateCron with a new schedule moves the next firing; a payload change keeps it", async () => {
    const { cron } = await crons.createCron({ assistantId: "agent", schedule: "0 0 1 1 *" });
    const { cron: patched } = await crons.updateCron({ cronId: cron!.cronId, payloadPatch: { input: { a: 1 } } });
    expect(patched!.nextRunDate).toEqual(cron!.nextRunDate);
    const { cron: moved } = await crons.updateCron({ cronId: cron!.cronId, schedule: "*/5 * * * * *" });
    const next = timestampDate(moved!.nextRunDate!);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(5_000);
    expect(next.getUTCSeconds() % 5).toBe(0);
  });

  it("a cron whose schedule selects nothing before its end_time has no next firing", async () => {
    const endTime = new Date(Date.now() + 60_000);
    const { cron } = await crons.createCron({ assistantId: "agent", schedule: "0 0 1 1 *", endTime: timestampFromDate(endTime) });
    expect(cron!.nextRunDate).toBeUndefined();
  });
});
