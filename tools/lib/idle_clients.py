"""Opens N idle MQTT 3.1.1 connections to a broker on 127.0.0.1 and reports the broker's
resident memory before and after, in KiB, as one JSON line.

Independent of the project's own code: each connection is a plain asyncio socket that sends a
hand-made CONNECT (Clean Session 1, Keep Alive 60 s, a client id of --id-length characters)
and reads the 4-byte CONNACK, which must accept. Bounded: at most 200 connects in flight,
--timeout seconds in all.

    idle_clients.py --port P --pid PID [--clients 10000] [--id-length 23] [--timeout 120]
"""
import argparse
import asyncio
import json
import sys


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def connect_packet(i, id_length):
    cid = f"idle{i:06d}".ljust(id_length, "x")[: max(id_length, 10)].encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(cid).to_bytes(2, "big") + cid
    return bytes([0x10, len(body)]) + body


async def run(args):
    before = rss_kib(args.pid)
    conns = []
    gate = asyncio.Semaphore(200)

    async def one(i):
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            writer.write(connect_packet(i, args.id_length))
            await writer.drain()
            ack = await reader.readexactly(4)
            if ack[0] != 0x20 or ack[3] != 0:
                raise RuntimeError(f"connection {i}: CONNACK {ack.hex()}")
            conns.append(writer)

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(args.clients))), args.timeout)
    await asyncio.sleep(2)  # let the broker settle
    after = rss_kib(args.pid)
    for w in conns:
        w.close()
    return {"clients": args.clients, "id_length": args.id_length, "rss_before_kib": before,
            "rss_after_kib": after, "kib_per_client": round((after - before) / args.clients, 3)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--clients", type=int, default=10000)
    p.add_argument("--id-length", type=int, default=23)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    try:
        print(json.dumps(asyncio.run(run(args))))
    except Exception as e:  # noqa: BLE001 - reported, and the exit status says it
        print(f"idle_clients.py: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
