/**
 * Connections to Redis for every library that keeps shared state there (the
 * identity cache, the run event log): one Redis, a Redis Cluster, or a master
 * watched by Sentinels, named by the environment or by configuration.
 */
export {
  createRedisClient,
  keepSubscribed,
  parseAddresses,
  redisTargetFromEnv,
  redisTargetOf,
  redisTargetSettings,
  redisTargetVariables,
  type RedisTargetValues,
  type KeptSubscription,
  type RedisAddress,
  type RedisClientOptions,
  type RedisTarget,
} from "./redis-connection.js";
