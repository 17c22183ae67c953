"""Shared definition of SPEC §7's W1 / W1-R1 / W2 workloads for the peer frameworks.

G: z in R^64 -> 128 -> 128 -> 2 (ReLU); D: 2 -> 128 -> 128 -> 1 (LeakyReLU 0.2); batch 512;
non-saturating losses; one simultaneous step = both players' gradients at the same point, then
SGD with step 1e-3 on both. W1-R1 adds (gamma/2) * mean ||grad_x D(x)||^2, gamma = 10, to D's loss.
The real batch (ring of 8 Gaussians) and the noise are drawn once: no sampling is timed.
W2: G: 64 -> 256 -> 256 -> 784 (ReLU, sigmoid out); D: 784 -> 256 -> 256 -> 1; batch 256; the real
batch is uniform [0, 1] "images".
W5: one iteration of the default `saddle train` (ring of 8, batch 256, R1 with gamma = 0.1,
Past-Extra-Adam, EMA of G); the constants, the ring's modes and its score are below, the iteration is
in torch_train.py / jax_train.py.
Prints one JSON object: per-repetition microseconds per step, and their median, min, max.
"""
import argparse
import json
import math
import statistics
import time

import numpy as np

BATCH, LATENT, HIDDEN, SLOPE, GAMMA, STEP = 512, 64, 128, 0.2, 10.0, 1e-3


def arguments(framework, extra=None):
    """The driver's arguments; `extra(parser)` may add a script's own options."""
    p = argparse.ArgumentParser(description=f"SPEC §7's workloads in {framework}")
    p.add_argument("--workload", choices=["W1", "W1-R1", "W2", "W3", "W4-1000", "W4-4000", "W5"], required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--compile", action="store_true", help="PyTorch only: run the step through torch.compile")
    if extra:
        extra(p)
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


# W5: one iteration of `saddle train` with its defaults (TrainingConfiguration): the ring of 8
# Gaussians, batch 256, non-saturating losses, R1 = (gamma/2) mean ||grad_x D(x)||^2 with gamma = 0.1,
# Past-Extra-Adam (alpha = 3e-3 for both players, beta1 = 0.5, beta2 = 0.99, eps = 1e-8), EMA 0.999.
W5_BATCH, W5_GAMMA, W5_ALPHA, W5_BETA1, W5_BETA2, W5_EPSILON, W5_EMA = 256, 0.1, 3e-3, 0.5, 0.99, 1e-8, 0.999
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.02
# Saddle's initializer (Initializer.kaimingUniform): W ~ U(-b, b), b = gain * sqrt(3 / fan_in), zero
# biases, gain of the activation after the layer (sqrt 2 for ReLU, sqrt(2 / (1 + 0.2^2)) for
# LeakyReLU 0.2, 1 for the identity output).
RELU_GAIN, LEAKY_GAIN = math.sqrt(2), math.sqrt(2 / (1 + SLOPE ** 2))


def ring_means():
    """The 8 modes, [8, 2] float32: radius 2, angles 2 pi k / 8 (GaussianMixture.ring)."""
    angle = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return (RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], 1)).astype(np.float32)


def step_size_factor(k, start=5000, end=10000, final=0.05):
    """`saddle train`'s factor on alpha at iteration k (from 1): 1 up to 5,000, then linearly to 0.05
    at 10,000 (TrainingConfiguration.stepSizeFactor). W5's timed iterations run at factor 1."""
    if k <= start:
        return 1.0
    if k >= end:
        return final
    return 1 - (1 - final) * (k - start) / (end - start)


def ring_score(samples):
    """(% of samples within 3 std of their nearest mode, modes with at least one such sample), as
    Saddle's MixtureMetrics scores generated samples [n, 2]."""
    d2 = ((np.asarray(samples, np.float64)[:, None, :] - ring_means()[None].astype(np.float64)) ** 2).sum(-1)
    nearest, best = d2.argmin(1), d2.min(1)
    good = best <= 9 * RING_STD ** 2
    return 100 * good.mean(), len(set(nearest[good].tolist()))


def w5_options(p):
    """torch_train.py's and jax_train.py's own options: the learning check."""
    p.add_argument("--check", type=int, default=0, metavar="N",
                   help="instead of timing, train N iterations from the start with `saddle train`'s step-size decay "
                        "and print the ring's score every --check-every iterations")
    p.add_argument("--check-every", type=int, default=1000, metavar="M")
    p.add_argument("--seed", type=int, default=0)


def learning_check(args, step, generated, framework, version):
    """Runs `step(factor)` args.check times (factor: the step-size decay at each iteration) and prints
    a JSON line every args.check_every iterations and at the end: the % of 2,500 samples of the last
    iterate's generator and of the EMA generator (one fixed noise batch) within 3 std of a mode, the
    modes reached, and the seconds so far. `generated()` returns those two [2500, 2] sample arrays."""
    start = time.perf_counter()
    for k in range(1, args.check + 1):
        step(step_size_factor(k))
        if k % args.check_every == 0 or k == args.check:
            last, ema = generated()
            (hq_last, modes_last), (hq_ema, modes_ema) = ring_score(last), ring_score(ema)
            print(json.dumps({"framework": framework, "version": version, "threads": args.threads, "seed": args.seed,
                              "iteration": k, "seconds": round(time.perf_counter() - start, 1),
                              "last_high_quality_percent": round(hq_last, 1), "last_modes": modes_last,
                              "ema_high_quality_percent": round(hq_ema, 1), "ema_modes": modes_ema}), flush=True)
