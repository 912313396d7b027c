/**
 * The Gatehouse wire contracts: TypeScript generated from proto/ by
 * protoc-gen-es. Never edit src/gen by hand; run `npm run generate`.
 */
export * from "./gen/gatehouse/type/v1/user_pb.js";
export * from "./gen/gatehouse/type/v1/filter_pb.js";
export * from "./gen/gatehouse/type/v1/error_reason_pb.js";
export * from "./gen/gatehouse/authn/v1/authn_service_pb.js";
export * from "./gen/gatehouse/authz/v1/authz_service_pb.js";
export * from "./gen/gatehouse/authz/v1/decision_pb.js";
export * from "./gen/gatehouse/authz/v1/options_pb.js";
export * from "./gen/gatehouse/store/v1/thread_pb.js";
export * from "./gen/gatehouse/store/v1/thread_service_pb.js";
export * from "./gen/gatehouse/store/v1/assistant_pb.js";
export * from "./gen/gatehouse/store/v1/assistant_service_pb.js";
export * from "./gen/gatehouse/store/v1/run_pb.js";
export * from "./gen/gatehouse/store/v1/run_service_pb.js";
export * from "./gen/gatehouse/store/v1/item_pb.js";
export * from "./gen/gatehouse/store/v1/item_service_pb.js";
export * from "./gen/gatehouse/store/v1/cron_pb.js";
export * from "./gen/gatehouse/store/v1/cron_service_pb.js";
export * from "./gen/gatehouse/store/v1/caller_service_pb.js";
export * from "./gen/google/rpc/status_pb.js";
export * from "./gen/google/rpc/error_details_pb.js";
export * from "./gen/gatehouse/worker/v1/checkpoint_pb.js";
// The worker's messages share names with the store's (GetThreadStateRequest, …): they are reached through the namespace.
export { WorkerService } from "./gen/gatehouse/worker/v1/worker_service_pb.js";
export * as workerV1 from "./gen/gatehouse/worker/v1/worker_service_pb.js";
