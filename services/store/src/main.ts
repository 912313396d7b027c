/**
 * The store process: migrates Postgres (DATABASE_URL), connects to authn
 * (AUTHN_TARGET) and authz (AUTHZ_TARGET), then serves the resource API on
 * STORE_HOST:STORE_PORT. It asks the worker (WORKER_TARGET) for thread
 * state and graph structure, reads run events from Redis Streams (REDIS_URL)
 * or the Postgres run event log, and fires due crons. With
 * GATEHOUSE_TLS_CA/CERT/KEY it calls authn, authz and the worker over mutual
 * TLS with its own certificate; its own port stays plaintext for clients. Every variable it reads is declared in config.ts
 * (README, "Configuration").
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { storeConfig } from "./config.js";
import { startStore } from "./start.js";

const config = readConfigOrExit(storeConfig);
const logger = createLogger("store", config.logLevel);

await runService("store", logger, () => startStore(config, { logger }), config);
