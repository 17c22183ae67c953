"""W5 in JAX: one iteration of the default `saddle train` under one jit (sampling included, the PRNG
key threaded through the state), without its metrics, logs and checkpoints (GANTraining.loop with
TrainingConfiguration's defaults).

Networks (Float32): G z in R^64 -> 128 -> 128 -> 2 (ReLU), D 2 -> 128 -> 128 -> 1 (LeakyReLU 0.2),
initialized as Saddle does (Kaiming-uniform weights with the activation's gain, zero biases).
The state: omega = (theta, phi); `prev`, the field stored by the previous iteration; Adam's m, v
(pytrees like omega) and clock t; `ema`, the generator's moving average; the PRNG key.

One step (ExtrapolationFromThePast.step with the Adam rule, then the loop's EMA update):
  1. d = Adam(prev): t <- t + 1; m <- b1 m + (1 - b1) prev; v <- b2 v + (1 - b2) prev^2;
     d = -alpha (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
     (alpha = 3e-3 for both players, b1 = 0.5, b2 = 0.99, eps = 1e-8)
  2. omega_bar = omega + d (the point F is evaluated at)
  3. a fresh minibatch (the oracle call's draw) from keys split off the state's key:
     z ~ N(0, I) [256, 64]; x = a uniformly chosen ring mode (radius 2, 8 modes) + N(0, 0.02^2 I) [256, 2]
  4. g = F(omega_bar) on that minibatch, both blocks at omega_bar (simultaneous), each player's
     block only its own gradient:
       L_G = mean softplus(-D(G(z)))                         -> g_theta = grad_theta L_G
       L_D = mean softplus(-D(x)) + mean softplus(D(G(z)))
             + (gamma/2) mean_i ||grad_x D(x_i)||^2, gamma = 0.1 (R1 on real samples: jax.grad of
             a loss that contains jax.grad with respect to x)         -> g_phi = grad_phi L_D
  5. prev <- g
  6. d = Adam(g) (the clock and the moments advance again: Past-Extra-Adam's second half-step);
     omega <- omega + d
  7. ema <- 0.999 ema + 0.001 theta
One oracle call per step; before the timed steps, prev = F(omega_0) on its own minibatch (EFTP's
default first step, one extra call at start), as `saddle train` does. The step size is an argument
of the jitted step (a factor on alpha, 1 in the timed steps: `saddle train` decays it only after
iteration 5,000); --check runs the decay. (Saddle's minibatch also holds 256 uniform interpolation
weights for WGAN-GP, unused under R1; not drawn here.)
--check N trains N iterations from the start and prints the share of generated samples within
3 std of a ring mode, to show that the timed loop learns.
"""
import os
import sys

# Thread count: XLA's CPU backend takes it from flags read at import (as jax_gan.py does).
threads_arg = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
if threads_arg == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax
import jax.numpy as jnp
import numpy as np

from common import (HIDDEN, LATENT, LEAKY_GAIN, RELU_GAIN, RING_STD, SLOPE, W5_ALPHA, W5_BATCH, W5_BETA1,
                    W5_BETA2, W5_EMA, W5_EPSILON, W5_GAMMA, arguments, learning_check, ring_means,
                    time_steps, w5_options)

args = arguments("JAX", w5_options)
MEANS = jnp.asarray(ring_means())
tree = jax.tree_util


def init(key, sizes, gain):
    """[(w [in, out], b [out]), ...]: w ~ U(-b, b), b = gain sqrt(3 / fan_in) (1 for the last layer)."""
    params = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        key, k = jax.random.split(key)
        bound = (1.0 if i == len(sizes) - 2 else gain) * (3 / a) ** 0.5
        params.append((jax.random.uniform(k, (a, b), jnp.float32, -bound, bound), jnp.zeros((b,), jnp.float32)))
    return params


def mlp(params, x, act):
    for w, b in params[:-1]:
        x = act(x @ w + b)
    w, b = params[-1]
    return x @ w + b


generator = lambda theta, z: mlp(theta, z, jax.nn.relu)
discriminator = lambda phi, x: mlp(phi, x, lambda h: jnp.where(h > 0, h, SLOPE * h))
softplus = jax.nn.softplus


def minibatch(key):
    kz, km, kx = jax.random.split(key, 3)
    z = jax.random.normal(kz, (W5_BATCH, LATENT), jnp.float32)
    modes = jax.random.randint(km, (W5_BATCH,), 0, MEANS.shape[0])
    x = MEANS[modes] + RING_STD * jax.random.normal(kx, (W5_BATCH, 2), jnp.float32)
    return z, x


def loss_d(phi, theta, z, x):
    gx = jax.grad(lambda x: discriminator(phi, x).sum())(x)  # grad_x D, one row per sample
    r1 = W5_GAMMA / 2 * (gx ** 2).sum() / W5_BATCH
    return softplus(-discriminator(phi, x)).mean() + softplus(discriminator(phi, generator(theta, z))).mean() + r1


def loss_g(theta, phi, z):
    return softplus(-discriminator(phi, generator(theta, z))).mean()


def field(omega, key):
    """F(omega) on a fresh minibatch drawn with `key`: (g_theta, g_phi)."""
    theta, phi = omega
    z, x = minibatch(key)
    return jax.grad(loss_g)(theta, phi, z), jax.grad(loss_d)(phi, theta, z, x)


def adam(g, m, v, t, alpha):
    """Adam's displacement for the field g; returns (d, m, v, t)."""
    t = t + 1
    m = tree.tree_map(lambda m, g: W5_BETA1 * m + (1 - W5_BETA1) * g, m, g)
    v = tree.tree_map(lambda v, g: W5_BETA2 * v + (1 - W5_BETA2) * g * g, v, g)
    tf = t.astype(jnp.float32)
    c1, c2 = 1 - W5_BETA1 ** tf, 1 - W5_BETA2 ** tf
    d = tree.tree_map(lambda m, v: -alpha * (m / c1) / (jnp.sqrt(v / c2) + W5_EPSILON), m, v)
    return d, m, v, t


@jax.jit
def step(state, factor):
    omega, prev, m, v, t, ema, key = state
    alpha = W5_ALPHA * factor
    d, m, v, t = adam(prev, m, v, t, alpha)                          # 1.
    omega_bar = tree.tree_map(jnp.add, omega, d)                     # 2.
    key, k = jax.random.split(key)
    g = field(omega_bar, k)                                          # 3., 4.
    d, m, v, t = adam(g, m, v, t, alpha)                             # 5. (g is the next prev), 6.
    omega = tree.tree_map(jnp.add, omega, d)
    ema = tree.tree_map(lambda e, p: W5_EMA * e + (1 - W5_EMA) * p, ema, omega[0])  # 7.
    return omega, g, m, v, t, ema, key


key = jax.random.PRNGKey(args.seed)
kg, kd, k0, key = jax.random.split(key, 4)
omega0 = (init(kg, [LATENT, HIDDEN, HIDDEN, 2], RELU_GAIN), init(kd, [2, HIDDEN, HIDDEN, 1], LEAKY_GAIN))
zeros = tree.tree_map(jnp.zeros_like, omega0)
# EFTP's first step: prev = F(omega_0) on its own minibatch (not timed).
state = [(omega0, jax.jit(field)(omega0, k0), zeros, zeros, jnp.int32(0), omega0[0], key)]
one = jnp.float32(1)


def run(factor=1.0):
    state[0] = step(state[0], one if factor == 1.0 else jnp.float32(factor))
    jax.block_until_ready(state[0])


eval_noise = jax.random.normal(jax.random.PRNGKey(12345), (2500, LATENT), jnp.float32)
sample = jax.jit(generator)


def generated():
    omega, _, _, _, _, ema, _ = state[0]
    return np.asarray(sample(omega[0], eval_noise)), np.asarray(sample(ema, eval_noise))


if args.check:
    learning_check(args, run, generated, "jax-jit", jax.__version__)
else:
    time_steps(run, args, {"framework": "jax-jit", "version": jax.__version__})
