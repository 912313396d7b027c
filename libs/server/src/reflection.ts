import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { toBinary, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

// The reflection protocol's own .proto files, as @grpc/reflection ships them.
const reflectionProtoDir = resolve(dirname(createRequire(import.meta.url).resolve("@grpc/reflection")), "../proto");
const reflectionPackages = ["grpc.reflection.v1", "grpc.reflection.v1alpha"] as const;

/** A ServerReflectionRequest as proto-loader decodes it (keepCase, oneofs). */
interface ReflectionRequest {
  host: string;
  message_request?: "file_by_filename" | "file_containing_symbol" | "file_containing_extension" | "all_extension_numbers_of_type" | "list_services";
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

/** The files and symbols a server describes: every file its services are declared in, and their imports. */
export interface ReflectionIndex {
  /** Each file by its real path, such as `gatehouse/store/v1/thread_service.proto`. */
  files: ReadonlyMap<string, DescFile>;
  /** The file declaring each fully qualified symbol (services, methods, messages, fields, enums, extensions). */
  symbols: ReadonlyMap<string, DescFile>;
  /** Extension numbers of each extended message. */
  extensions: ReadonlyMap<string, ReadonlyMap<number, DescFile>>;
  services: readonly string[];
}

/**
 * Indexes the real file descriptors of services: the ones protobuf-es
 * generated code carries (`DescFile.proto`), with their real names and their
 * imports (the well-known types and options files included), so a reflection
 * client can rebuild them in a descriptor pool exactly as protoc produced them.
 * Generated code leaves out imports only options use (such as the
 * `auth_event` option's file); `extraFiles` supplies those.
 */
export function reflectionIndex(services: readonly DescService[], extraFiles: readonly DescFile[] = []): ReflectionIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const addFile = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    const addMessage = (message: DescMessage) => {
      symbols.set(message.typeName, file);
      for (const field of message.fields) symbols.set(`${message.typeName}.${field.name}`, file);
      for (const oneof of message.oneofs) symbols.set(`${message.typeName}.${oneof.name}`, file);
      message.nestedMessages.forEach(addMessage);
      for (const nested of message.nestedEnums) symbols.set(nested.typeName, file);
      for (const extension of message.nestedExtensions) addExtension(extension);
    };
    const addExtension = (extension: DescFile["extensions"][number]) => {
      symbols.set(extension.typeName, file);
      const numbers = extensions.get(extension.extendee.typeName) ?? new Map<number, DescFile>();
      numbers.set(extension.number, file);
      extensions.set(extension.extendee.typeName, numbers);
    };
    file.messages.forEach(addMessage);
    for (const enumeration of file.enums) symbols.set(enumeration.typeName, file);
    for (const extension of file.extensions) addExtension(extension);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    file.dependencies.forEach(addFile);
  };
  for (const service of services) addFile(service.file);
  extraFiles.forEach(addFile);
  for (const file of files.values()) {
    for (const name of file.proto.dependency) {
      if (!files.has(name)) throw new Error(`reflection: ${file.proto.name} imports ${name}, which no service or extra file provides`);
    }
  }
  return { files, symbols, extensions, services: services.map((service) => service.typeName) };
}

/**
 * Serves gRPC server reflection (`grpc.reflection.v1` and `v1alpha`, which
 * share one message layout) from the services' real file descriptors. A file
 * answer carries the file and every file it imports, transitively, that this
 * stream has not sent yet, as grpc-go's reflection does, imports first.
 */
export function addReflection(server: grpc.Server, services: readonly DescService[], extraFiles: readonly DescFile[] = []): void {
  const index = reflectionIndex(services, extraFiles);
  const listed = [...index.services, ...reflectionPackages.map((pkg) => `${pkg}.ServerReflection`)];
  for (const pkg of reflectionPackages) {
    const definition = protoLoader.loadSync(`grpc/reflection/${pkg.split(".").at(-1)}/reflection.proto`, {
      includeDirs: [reflectionProtoDir],
      keepCase: true,
      oneofs: true,
    });
    const service = grpc.loadPackageDefinition(definition) as unknown as Record<string, any>;
    const reflection = pkg.split(".").reduce((scope, name) => scope[name], service).ServerReflection as grpc.ServiceClientConstructor;
    server.addService(reflection.service, {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<ReflectionRequest, object>) => {
        const sent = new Set<string>();
        call.on("data", (request: ReflectionRequest) => call.write({ valid_host: request.host, original_request: request, ...answer(index, listed, request, sent) }));
        call.on("end", () => call.end());
        call.on("error", () => {});
      },
    });
  }
}

function answer(index: ReflectionIndex, listed: readonly string[], request: ReflectionRequest, sent: Set<string>): object {
  switch (request.message_request) {
    case "list_services":
      return { list_services_response: { service: listed.map((name) => ({ name })) } };
    case "file_by_filename":
      return fileAnswer(index, index.files.get(request.file_by_filename!), sent, `file ${request.file_by_filename}`);
    case "file_containing_symbol":
      return fileAnswer(index, fileOfSymbol(index, request.file_containing_symbol!), sent, `symbol ${request.file_containing_symbol}`);
    case "file_containing_extension": {
      const { containing_type, extension_number } = request.file_containing_extension!;
      return fileAnswer(index, index.extensions.get(containing_type)?.get(extension_number), sent, `extension ${extension_number} of ${containing_type}`);
    }
    case "all_extension_numbers_of_type": {
      const type = request.all_extension_numbers_of_type!;
      if (!index.symbols.has(type)) return notFound(`type ${type}`);
      return { all_extension_numbers_response: { base_type_name: type, extension_number: [...(index.extensions.get(type)?.keys() ?? [])] } };
    }
    default:
      return { error_response: { error_code: grpc.status.INVALID_ARGUMENT, error_message: "the request names no known question" } };
  }
}

/** The file of a symbol; a leading dot is allowed, as some clients send one. */
function fileOfSymbol(index: ReflectionIndex, symbol: string): DescFile | undefined {
  return index.symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
}

function fileAnswer(index: ReflectionIndex, file: DescFile | undefined, sent: Set<string>, what: string): object {
  if (file === undefined) return notFound(what);
  // Imports first, so a client can add each file to its pool as it reads them.
  const files: DescFile[] = [];
  const collect = (each: DescFile, always: boolean) => {
    if ((!always && sent.has(each.proto.name)) || files.includes(each)) return;
    sent.add(each.proto.name);
    for (const name of each.proto.dependency) collect(index.files.get(name)!, false);
    files.push(each);
  };
  collect(file, true);
  return { file_descriptor_response: { file_descriptor_proto: files.map((each) => Buffer.from(toBinary(FileDescriptorProtoSchema, each.proto))) } };
}

function notFound(what: string): object {
  return { error_response: { error_code: grpc.status.NOT_FOUND, error_message: `${what} not found` } };
}
