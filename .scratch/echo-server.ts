process.setSourceMapsEnabled(false);
import * as grpc from "@grpc/grpc-js";
const server = new grpc.Server();
const id = (b: Buffer) => b;
server.addService({ Echo: { path: "/e.E/Echo", requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } } as any, { Echo: (call: any, cb: any) => cb(null, call.request) });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => { process.stdout.write(`gatehouse echo listening on 127.0.0.1:${port}\n`); });
process.on("SIGTERM", () => process.exit(0));
