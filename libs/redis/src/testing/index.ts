/**
 * Test helpers for anything that needs a Redis of its own: a private
 * redis-server on a free loopback port, which a test may kill and restart
 * without disturbing the shared server, and the free-port finder it uses.
 */
export { redisAnswersPing } from "./answers-ping.js";
export { freeLoopbackPort } from "./free-port.js";
export { dumpRedis, hasRedisServer, startPrivateRedis, type PrivateRedis } from "./private-redis.js";
