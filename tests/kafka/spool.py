#!/usr/bin/env python3
# tests/kafka/spool.py: reads spanwatch's Kafka spool the way the sensor does (records framed
# "SWSP", body length, CRC-32) to check it from outside.
#   spool.py count DIR          -> number of valid records in all segments
#   spool.py ids DIR            -> the event_id of every valid record, one a line
#   spool.py damage DIR         -> flips bytes inside the second record of the first segment and
#                                  cuts the last segment in the middle of its last record;
#                                  prints how many valid records remain
import json
import os
import struct
import sys
import zlib


def records(path):
    data = open(path, "rb").read()
    off = 0
    out = []
    while off + 12 <= len(data):
        magic, length, crc = struct.unpack_from("<III", data, off)
        if magic != 0x50535753 or off + 12 + length > len(data):
            off += 1
            continue
        body = data[off + 12:off + 12 + length]
        if zlib.crc32(body) & 0xffffffff != crc:
            off += 1
            continue
        tl, kl = struct.unpack_from("<HH", body, 0)
        out.append((off, length, body[4 + tl + kl:]))
        off += 12 + length
    return out


def segments(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".seg"))


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "count":
        print(sum(len(records(p)) for p in segments(d)))
    elif cmd == "ids":
        for p in segments(d):
            for _, _, payload in records(p):
                print(json.loads(payload)["event_id"])
    elif cmd == "damage":
        segs = segments(d)
        first = records(segs[0])
        off, length, _ = first[1]
        with open(segs[0], "r+b") as f:
            f.seek(off + 12 + length // 2)
            f.write(b"\xff\x00\xff\x00")
        last = records(segs[-1])
        off, length, _ = last[-1]
        with open(segs[-1], "r+b") as f:
            f.truncate(off + 12 + length // 2)
        print(sum(len(records(p)) for p in segments(d)))


if __name__ == "__main__":
    main()
