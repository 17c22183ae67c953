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
W6 / W6-R1: one simultaneous step of the DCGAN for 28x28 images below (issue 17), batch 64, without and
with R1 (gamma = 10); the real batch is uniform [0, 1] images (64, 1, 28, 28), NCHW.
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
    p.add_argument("--workload", choices=["W1", "W1-R1", "W2", "W3", "W4-1000", "W4-4000", "W5", "W6", "W6-R1"], required=True)
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
    images = {"W2": (256, 784), "W6": DC_IMAGES, "W6-R1": DC_IMAGES}  # uniform [0, 1] "images"
    if workload in images:
        real = rng.uniform(0, 1, images[workload])
        noise = rng.standard_normal((images[workload][0], LATENT))
        return real.astype(np.float32), noise.astype(np.float32)
    k = rng.integers(0, 8, BATCH)
    angle = 2 * math.pi * k / 8
    real = np.stack([2 * np.cos(angle), 2 * np.sin(angle)], 1) + 0.02 * rng.standard_normal((BATCH, 2))
    noise = rng.standard_normal((BATCH, LATENT))
    return real.astype(np.float32), noise.astype(np.float32)


# W6 / W6-R1's DCGAN (NCHW, PyTorch's layer definitions and weight shapes; batch 64, latent LATENT):
#   G: fc Linear(64, 128*7*7) -> view (128, 7, 7) -> bn1 BatchNorm2d(128) -> ReLU
#      -> deconv1 ConvTranspose2d(128, 64, 4, stride 2, padding 1) (14x14) -> bn2 BatchNorm2d(64) -> ReLU
#      -> deconv2 ConvTranspose2d(64, 1, 4, 2, 1) (28x28) -> sigmoid
#   D: conv1 Conv2d(1, 64, 4, 2, 1) (14x14) -> LeakyReLU 0.2 -> conv2 Conv2d(64, 128, 4, 2, 1) (7x7)
#      -> LeakyReLU 0.2 -> flatten (C, H, W) -> fc Linear(6272, 1)
# Batch norm normalizes with the batch's statistics (mean and biased variance over N, H, W;
# eps 1e-5), as in training mode; no running statistics are kept (they are not part of the step).
DC_IMAGES, DC_EPSILON = (64, 1, 28, 28), 1e-5
DC_SHAPES = {"G.fc.weight": (128 * 7 * 7, LATENT), "G.fc.bias": (128 * 7 * 7,),
             "G.bn1.weight": (128,), "G.bn1.bias": (128,),
             "G.deconv1.weight": (128, 64, 4, 4), "G.deconv1.bias": (64,),  # ConvTranspose2d: (in, out, kH, kW)
             "G.bn2.weight": (64,), "G.bn2.bias": (64,),
             "G.deconv2.weight": (64, 1, 4, 4), "G.deconv2.bias": (1,),
             "D.conv1.weight": (64, 1, 4, 4), "D.conv1.bias": (64,),  # Conv2d: (out, in, kH, kW)
             "D.conv2.weight": (128, 64, 4, 4), "D.conv2.bias": (128,),
             "D.fc.weight": (1, 128 * 7 * 7), "D.fc.bias": (1,)}


def dcgan_parameters(seed=0):
    """The DCGAN's initial parameters, {"G.fc.weight": float64 array, ...} (PyTorch state_dict names
    prefixed by the network): PyTorch's default distribution, weights and biases U(-b, b) with
    b = 1/sqrt(fan_in), fan_in the product of the weight's dimensions after the first (PyTorch's
    convention, also for ConvTranspose2d's (in, out, kH, kW)); batch norm's scale 1 and shift 0."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in DC_SHAPES.items():
        if ".bn" in name:
            params[name] = np.full(shape, 1.0 if name.endswith("weight") else 0.0)
        else:
            bound = 1 / math.sqrt(math.prod(DC_SHAPES[name.rsplit(".", 1)[0] + ".weight"][1:]))
            params[name] = rng.uniform(-bound, bound, shape)
    return params


def dcgan_options(p):
    """torch_dcgan.py's and jax_dcgan.py's own option: the cross-check (check_dcgan.py)."""
    p.add_argument("--check", metavar="FILE.npz",
                   help="instead of timing, run one step in float64 from dcgan_parameters() on fixed_inputs() "
                        "and save the updated parameters (state_dict names) to FILE.npz")


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
