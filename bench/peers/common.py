"""Shared definition of SPEC §7's W1 / W1-R1 / W2 workloads for the peer frameworks.

G: z in R^64 -> 128 -> 128 -> 2 (ReLU); D: 2 -> 128 -> 128 -> 1 (LeakyReLU 0.2); batch 512;
non-saturating losses; one simultaneous step = both players' gradients at the same point, then
SGD with step 1e-3 on both. W1-R1 adds (gamma/2) * mean ||grad_x D(x)||^2, gamma = 10, to D's loss.
The real batch (ring of 8 Gaussians) and the noise are drawn once: no sampling is timed.
W2: G: 64 -> 256 -> 256 -> 784 (ReLU, sigmoid out); D: 784 -> 256 -> 256 -> 1; batch 256; the real
batch is uniform [0, 1] "images".
Prints one JSON object: per-repetition microseconds per step, and their median, min, max.
"""
import argparse
import json
import math
import statistics
import time

import numpy as np

BATCH, LATENT, HIDDEN, SLOPE, GAMMA, STEP = 512, 64, 128, 0.2, 10.0, 1e-3


def arguments(framework):
    p = argparse.ArgumentParser(description=f"W1 / W1-R1 in {framework}")
    p.add_argument("--workload", choices=["W1", "W1-R1", "W2", "W3", "W4-1000", "W4-4000"], required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--compile", action="store_true", help="PyTorch only: run the step through torch.compile")
    return p.parse_args()


def report_failure(args, framework, error):
    """Prints the one-line JSON the driver reads when a path does not run (e.g. torch.compile)."""
    message = f"{type(error).__name__}: {error}".strip().splitlines()[0][:300]
    print(json.dumps({"workload": args.workload, "threads": args.threads, "framework": framework, "error": message}))


def sizes(workload):
    """(batch, latent, hidden, data width, sigmoid output) of a GAN-step workload."""
    if workload == "W2":
        return 256, 64, 256, 784, True
    return BATCH, LATENT, HIDDEN, 2, False


def fixed_inputs(seed=0, workload="W1"):
    rng = np.random.default_rng(seed)
    if workload == "W2":
        batch, latent, _, width, _ = sizes(workload)
        real = rng.uniform(0, 1, (batch, width))
        noise = rng.standard_normal((batch, latent))
        return real.astype(np.float32), noise.astype(np.float32)
    k = rng.integers(0, 8, BATCH)
    angle = 2 * math.pi * k / 8
    real = np.stack([2 * np.cos(angle), 2 * np.sin(angle)], 1) + 0.02 * rng.standard_normal((BATCH, 2))
    noise = rng.standard_normal((BATCH, LATENT))
    return real.astype(np.float32), noise.astype(np.float32)


def time_steps(step, args, extra):
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        for _ in range(args.iterations):
            step()
        times.append((time.perf_counter() - start) / args.iterations * 1e6)
    result = {"workload": args.workload, "threads": args.threads, "per_repetition_us": times,
              "median_us": statistics.median(times), "min_us": min(times), "max_us": max(times)}
    result.update(extra)
    print(json.dumps(result))
