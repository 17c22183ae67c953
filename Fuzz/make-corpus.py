#!/usr/bin/env python3
"""Writes the seed corpus Fuzz/corpus/<target>/: small valid and near-valid files for each reader.

Run from anywhere: python3 Fuzz/make-corpus.py. The seeds are committed; this script records how
they were made (by hand, from each format's definition, without NumPy or safetensors).
"""
import gzip
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# safetensors: 8-byte little-endian header length, JSON header (space-padded to 8), data.
def safetensors(tensors, metadata=None, pad=True):
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        fmt = "<%d%s" % (len(values), "f" if dtype == "F32" else "d")
        raw = struct.pack(fmt, *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    while pad and len(h) % 8:
        h += b" "
    return struct.pack("<Q", len(h)) + h + data


def raw_safetensors(header_text, data=b""):
    h = header_text.encode()
    return struct.pack("<Q", len(h)) + h + data


two = [("a", "F32", [3, 4], [i * 0.25 - 1 for i in range(12)]), ("b.c", "F64", [3], [1, 2, 3])]
write("safetensors", "valid-two-tensors", safetensors(two, {"format_version": "1", "note": 'a "quoted" value'}))
write("safetensors", "valid-empty", safetensors([]))
write("safetensors", "valid-scalar-and-empty", safetensors([("s", "F64", [], [3.5]), ("e", "F32", [0, 3], [])]))
write("safetensors", "valid-rank4", safetensors([("w", "F32", [1, 2, 1, 2], [1, -2, 3, -4])], {}))
write("safetensors", "valid-unpadded", safetensors([("x", "F32", [2], [1, 2])], pad=False))
write("safetensors", "truncated-data", safetensors(two)[:-5])
write("safetensors", "overlapping", raw_safetensors(
    '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)))
write("safetensors", "gap", raw_safetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)))
write("safetensors", "dtype-f16", raw_safetensors('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', bytes(4)))
write("safetensors", "shape-mismatch", raw_safetensors('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', bytes(8)))
write("safetensors", "huge-shape", raw_safetensors('{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', bytes(8)))
write("safetensors", "metadata-not-string", raw_safetensors('{"__metadata__":{"k":1}}'))
write("safetensors", "nested", raw_safetensors('{"a":[[[[[[[[[[1]]]]]]]]]]}'))
write("safetensors", "header-past-end", struct.pack("<Q", 1000) + b'{"a":1}')

# NPY: magic, version, header length (2 bytes in 1.0, 4 in 2.0/3.0), dict literal, data.
def npy(descr, shape, values, version=1, fortran=False, extra=b""):
    shape_text = "(%s)" % ("".join("%d," % d for d in shape) if len(shape) == 1 else ", ".join(map(str, shape)))
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
    fixed = 10 if version == 1 else 12
    while (fixed + len(header) + 1) % 64:
        header += " "
    header += "\n"
    h = header.encode()
    length = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    fmt = {"<f4": "f", "<f8": "d"}.get(descr, "f")
    return b"\x93NUMPY" + bytes([version, 0]) + length + h + struct.pack("<%d%s" % (len(values), fmt), *values) + extra

write("npy", "f4-3x4", npy("<f4", [3, 4], [i * 0.5 for i in range(12)]))
write("npy", "f8-vector", npy("<f8", [5], [1, -2, 3.25, 1e300, -0.0]))
write("npy", "v2-f4", npy("<f4", [2, 2], [1, 2, 3, 4], version=2))
write("npy", "v3-f8-rank4", npy("<f8", [1, 2, 1, 2], [1, 2, 3, 4], version=3))
write("npy", "scalar", npy("<f8", [], [7]))
write("npy", "empty-0x3", npy("<f4", [0, 3], []))
write("npy", "fortran", npy("<f4", [2, 2], [1, 2, 3, 4], fortran=True))
write("npy", "int32", npy("<i4", [2], [1, 2]))
write("npy", "truncated", npy("<f8", [4], [1, 2, 3, 4])[:-3])
write("npy", "trailing", npy("<f4", [2], [1, 2], extra=b"\x00\x01"))
write("npy", "huge-shape", npy("<f4", [4294967296, 4294967296], []))
write("npy", "version-9", b"\x93NUMPY\x09\x00\x10\x00{'descr': '<f4'}")

# IDX: 0, 0, type, rank, big-endian UInt32 dimensions, data.
def idx(dims, data, type_code=8):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)

write("idx", "images-3x28x28", idx([3, 28, 28], [(i * 7) % 256 for i in range(3 * 784)]))
write("idx", "labels-10", idx([10], list(range(10))))
write("idx", "rank3-2x3x2", idx([2, 3, 2], range(12)))
write("idx", "rank4", idx([1, 2, 2, 2], range(8)))
write("idx", "empty", idx([0, 28, 28], []))
write("idx", "float-type", idx([2], bytes(8), type_code=0x0D))
write("idx", "truncated", idx([4, 4], range(10)))
write("idx", "trailing", idx([2], [1, 2, 3]))
write("idx", "huge-dims", idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], [1]))
write("idx", "rank5", idx([1, 1, 1, 1, 1], [1]))

# CSV: numbers, a header, every line ending, and the errors the reader names.
write("csv", "header-lf", "x,y,label\n1,2.5,3\n4,5,6\n")
write("csv", "crlf", "1,2,3\r\n4,5,6\r\n")
write("csv", "cr-only", "a,b\r1,2\r3,4\r")
write("csv", "blank-lines-no-final-newline", "\n1,2\n\n3,4")
write("csv", "floats", "1e-3, -2.5E+10 ,0x1p3\n.5,+7,-0\n")
write("csv", "mnist-row", ",".join(str((i * 37) % 256) for i in range(784)) + ",7\n")
write("csv", "nan", "1,2\n3,nan\n")
write("csv", "ragged", "1,2,3\n4,5\n")
write("csv", "text-field", "1,2\n3,x\n")
write("csv", "quoted", '"a","b"\n1,2\n')

# gzip: members of text and IDX bytes, a zlib stream, and the damaged forms zlib reports.
text = b"1,2,3\n4,5,6\n" * 20
write("gzip", "text", gzip.compress(text, mtime=0))
write("gzip", "idx", gzip.compress(idx([2, 3, 2], range(12)), mtime=0))
write("gzip", "two-members", gzip.compress(b"first\n", mtime=0) + gzip.compress(b"second\n", mtime=0))
write("gzip", "zlib-stream", zlib.compress(text))
write("gzip", "empty-member", gzip.compress(b"", mtime=0))
write("gzip", "trailing-zeros", gzip.compress(text, mtime=0) + bytes(16))
write("gzip", "truncated", gzip.compress(text, mtime=0)[:-10])
write("gzip", "bad-crc", (lambda g: g[:-8] + bytes([g[-8] ^ 1]) + g[-7:])(gzip.compress(text, mtime=0)))
write("gzip", "zeros-64k", gzip.compress(bytes(65536), mtime=0))
write("gzip", "garbage-after", gzip.compress(b"x", mtime=0) + b"not gzip")

# YAML: the presets' style, a resolved config.yaml, every line ending, and the errors it names.
resolved = """# saddle train: resolved configuration
dataset: ring
data_file: data/mnist_5k.csv.gz
iterations: 10000
batch_size: 256
latent: 16
hidden: 128
loss: non-saturating
method: eftp
generator_step_size: 0.003
discriminator_step_size: 0.003
step_size_decay_start: 5000
step_size_decay_end: 10000
step_size_decay_final: 0.05
beta1: 0.5
beta2: 0.999
relaxation: 0.5
sgld_steps: 10
thermal_noise: 0.0001
damping: 0.9
preconditioned: false
regularizer: r1
regularizer_weight: 0.1
ema_decay: 0.999
seed: 0
threads: 2
evaluation_samples: 2500
log_every: 500
checkpoint_every: 1000
"""
write("yaml", "resolved-lf", resolved)
write("yaml", "resolved-crlf", resolved.replace("\n", "\r\n"))
write("yaml", "cr-only-no-final-newline", "dataset: grid\riterations: 50000\rregularizer_weight: 1")
write("yaml", "bom-and-comments", "\ufeff---\n# MNIST\ndataset: mnist   # the data set\nhidden: 256\n...\n")
write("yaml", "quoted", "data_file: \"runs/a \\\"b\\\" #c.csv\"\nloss: 'hinge'\nmethod: \"extra-adam\"\n")
write("yaml", "unknown-key", "dataset: ring\nlearning_rate: 0.1\n")
write("yaml", "nested", "solver:\n  relaxation: 0.5\n")
write("yaml", "out-of-range", "beta1: 1.5\nbatch_size: 0\n")
write("yaml", "duplicate", "seed: 1\nseed: 2\n")
write("yaml", "list", "hidden: [128, 128]\n")
write("yaml", "unterminated", "data_file: \"abc\n")

# TensorBoard event files: TFRecord records (uint64 length, masked CRC-32C of it, data, masked
# CRC-32C of the data; all little-endian) of tensorboard.Event protobufs, encoded field by field
# from event.proto and summary.proto.
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(crc32c(length))) + data + struct.pack("<I", masked(crc32c(data)))


def varint(v):
    v &= (1 << 64) - 1
    out = b""
    while v >= 0x80:
        out += bytes([v & 0x7F | 0x80])
        v >>= 7
    return out + bytes([v])


def field(number, wire, payload):
    if wire == 2:
        payload = varint(len(payload)) + payload
    return varint(number << 3 | wire) + payload


def event(wall, step, what=b""):
    return field(1, 1, struct.pack("<d", wall)) + field(2, 0, varint(step)) + what


def scalar(tag, v):
    return field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", v))


def summary(*values):
    return field(5, 2, b"".join(field(1, 2, v) for v in values))


png_header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 4, 3) + bytes([8, 6, 0, 0, 0]) + bytes(4)
image = field(1, 2, b"samples/last") + field(4, 2, field(1, 0, varint(3)) + field(2, 0, varint(4)) + field(3, 0, varint(4)) + field(4, 2, png_header))
header = record(event(1796390000.25, 0, field(3, 2, b"brain.Event:2")))
scalars = record(event(1796390001.5, 20, summary(scalar("loss/generator", 0.6931), scalar("metrics/ema/modesCovered", 8), scalar("field_norm", float("nan")))))
write("tfevents", "header-only", header)
write("tfevents", "scalars", header + scalars)
write("tfevents", "image", header + record(event(1796390002.0, 40, summary(image))))
write("tfevents", "session-start", header + record(event(1796390003.0, 101, field(7, 2, field(1, 0, varint(1))))))
write("tfevents", "other-kinds", header + record(event(1.0, -1, field(6, 2, b"") + field(10, 2, b""))) + record(event(2.0, 3, summary(field(1, 2, b"h") + field(5, 2, b"")))))
write("tfevents", "truncated-tail", header + scalars[:-7])
write("tfevents", "bad-data-crc", header + scalars[:-1] + bytes([scalars[-1] ^ 1]))
write("tfevents", "bad-length-crc", header + scalars[:8] + bytes([scalars[8] ^ 1]) + scalars[9:])
write("tfevents", "huge-length", (lambda n: n + struct.pack("<I", masked(crc32c(n))))(struct.pack("<Q", 1 << 40)))
write("tfevents", "not-an-event", header + record(b"\x0b\x0c"))
write("tfevents", "empty", b"")
