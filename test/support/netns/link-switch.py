"""
An Ethernet switch in user space whose ports are TAP devices, one per network
namespace, with netem-like impairments (delay, jitter, loss) on the frames
each port sends. The multi-host test harness uses it where the kernel lacks
the netem queueing discipline: the frames are real, the TCP/IP stacks on both
ends are the kernels' own, and a dropped frame is retransmitted by TCP exactly
as on a lossy wire.

Commands arrive on stdin as JSON lines and are answered on stdout with one
JSON line each ({"ok": true} or {"ok": false, "error": "..."}):

  {"op": "add", "port": "store-1", "netns": "ghnet-1-store-1", "ifname": "eth0"}
      opens a TAP device named ifname inside the namespace (netns omitted:
      this process's own namespace). The device lives as long as this port.
  {"op": "impair", "port": "store-1", "direction": "egress", "delayMs": 5, "jitterMs": 1, "loss": 0.05}
      frames the port sends ("egress", as netem on the namespace's interface
      would), receives ("ingress") or both wait delayMs ± jitterMs (uniform)
      and are dropped with probability loss; frames keep their order.
  {"op": "cut", "port": "store-1", "peer": "authz", "cut": "drop"}
      a partition between two hosts that leaves their other links alone:
      "drop" loses every frame between them, both ways, in silence;
      "reject" answers each IPv4 packet with ICMP host unreachable, as a
      router with no route (or a peer whose link is down) would; false heals it.
  {"op": "remove", "port": "store-1"}
      closes the port's device: the cable is pulled.

The switch exits when stdin closes; every TAP device it opened goes with it.
"""

import ctypes
import fcntl
import heapq
import json
import os
import random
import selectors
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


class Port:
    def __init__(self, name, fd):
        self.name = name
        self.fd = fd
        self.impairment = {"egress": (0.0, 0.0, 0.0), "ingress": (0.0, 0.0, 0.0)}
        self.cut = {}


def open_tap(ifname, netns):
    """Opens a TAP device, inside netns when given, and returns its descriptor."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = None
    try:
        if netns:
            target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {netns} failed")
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
        return fd
    finally:
        if netns:
            libc.setns(home, CLONE_NEWNET)
        if target is not None:
            os.close(target)
        os.close(home)


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def unreachable(frame):
    """The ICMP host-unreachable answer to an IPv4 frame, addressed back to its sender."""
    packet = frame[14:]
    header_length = (packet[0] & 0x0F) * 4
    quoted = packet[: header_length + 8]
    icmp = struct.pack("!BBHI", 3, 1, 0, 0) + quoted
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    source, destination = packet[12:16], packet[16:20]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, destination, source)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return frame[6:12] + frame[0:6] + b"\x08\x00" + ip + icmp


def main():
    selector = selectors.DefaultSelector()
    ports = {}
    by_fd = {}
    macs = {}
    due = []
    sequence = 0
    # The latest time a frame between two ports is due, so jitter never reorders a flow's frames.
    last_due = {}
    stdin_buffer = b""
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, None)

    def reply(answer):
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    def write(frame, port):
        if port.name not in ports:
            return
        try:
            os.write(port.fd, frame)
        except OSError:
            pass  # A full or vanished device drops the frame, as a wire would.

    def forward(frame, source):
        """Sends a frame on to its destination port (every other port while unknown or broadcast), impaired."""
        nonlocal sequence
        destination = macs.get(frame[0:6])
        targets = [destination] if destination is not None and not (frame[0] & 1) else list(ports.values())
        for target in targets:
            if target is source:
                continue
            cut = source.cut.get(target.name)
            if cut == "drop":
                continue
            if cut == "reject":
                if frame[12:14] == b"\x08\x00":
                    write(unreachable(frame), source)
                    continue
            out_delay, out_jitter, out_loss = source.impairment["egress"]
            in_delay, in_jitter, in_loss = target.impairment["ingress"]
            loss = 1 - (1 - out_loss) * (1 - in_loss)
            if loss > 0 and random.random() < loss:
                continue
            delay = out_delay + in_delay + random.uniform(-out_jitter - in_jitter, out_jitter + in_jitter)
            if delay <= 0 and not due:
                write(frame, target)
                continue
            key = (source.name, target.name)
            at = max(time.monotonic() + delay, last_due.get(key, 0.0))
            last_due[key] = at
            sequence += 1
            heapq.heappush(due, (at, sequence, frame, target))

    def command(line):
        message = json.loads(line)
        op = message["op"]
        name = message["port"]
        if op == "add":
            if name in ports:
                raise ValueError(f"port {name} exists")
            fd = open_tap(message.get("ifname", "eth0"), message.get("netns"))
            port = Port(name, fd)
            ports[name] = port
            by_fd[fd] = port
            selector.register(fd, selectors.EVENT_READ, port)
        elif op == "impair":
            port = ports[name]
            direction = message.get("direction", "egress")
            setting = (float(message.get("delayMs", 0)) / 1000, float(message.get("jitterMs", 0)) / 1000, float(message.get("loss", 0)))
            for side in (["egress", "ingress"] if direction == "both" else [direction]):
                port.impairment[side] = setting
        elif op == "cut":
            port, peer = ports[name], ports[message["peer"]]
            mode = message.get("cut", "drop")
            if mode not in ("drop", "reject", False):
                raise ValueError(f"unknown cut {mode}")
            if mode:
                port.cut[peer.name] = mode
                peer.cut[port.name] = mode
            else:
                port.cut.pop(peer.name, None)
                peer.cut.pop(port.name, None)
        elif op == "remove":
            port = ports.pop(name, None)
            if port is not None:
                selector.unregister(port.fd)
                del by_fd[port.fd]
                os.close(port.fd)
                for mac in [mac for mac, owner in macs.items() if owner is port]:
                    del macs[mac]
        else:
            raise ValueError(f"unknown op {op}")

    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        for key, _ in selector.select(timeout):
            if key.data is None:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    return
                stdin_buffer += chunk
                while b"\n" in stdin_buffer:
                    line, stdin_buffer = stdin_buffer.split(b"\n", 1)
                    if not line.strip():
                        continue
                    try:
                        command(line)
                        reply({"ok": True})
                    except Exception as error:  # Answered to the harness, which fails the test with it.
                        reply({"ok": False, "error": str(error)})
                continue
            port = key.data
            if port.name not in ports:
                continue
            for _ in range(64):
                try:
                    frame = os.read(port.fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if len(frame) < 14:
                    continue
                macs[frame[6:12]] = port
                forward(frame, port)
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, frame, target = heapq.heappop(due)
            write(frame, target)


if __name__ == "__main__":
    main()
