import type { MessageInitShape } from "@bufbuild/protobuf";
import type { User, UserSchema } from "@gatehouse/contracts";
import type { UserRecord } from "./cached-identity.js";

/** Encodes a user for the wire: the fields of README "Your auth module", and every extra field in `extra`. */
export function userToProto(user: UserRecord): MessageInitShape<typeof UserSchema> {
  const { identity, display_name, is_authenticated, permissions, ...extra } = user;
  return { identity, displayName: display_name, isAuthenticated: is_authenticated, permissions, extra: extra as never };
}

/** Decodes a user from the wire, extras back at the top level as handlers expect them. */
export function userFromProto(user: User): UserRecord {
  return {
    ...(user.extra ?? {}),
    identity: user.identity,
    display_name: user.displayName,
    is_authenticated: user.isAuthenticated,
    permissions: user.permissions,
  };
}
