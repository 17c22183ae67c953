"""W4 in JAX (jit, float64): one extragradient iteration on a dense bilinear game
min_theta max_phi theta^T A phi + b^T theta + c^T phi, n = 1000 (W4-1000) or 4000 (W4-4000).
Two oracle calls per iteration, each A @ phi and A^T @ theta (four passes over A)."""
import os
import sys

threads_arg = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
if threads_arg == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np

from common import arguments, time_steps

args = arguments("JAX")
n = int(args.workload.split("-")[1])
rng = np.random.default_rng(0)
A = jnp.asarray(np.eye(n) + rng.standard_normal((n, n)) / (2 * n ** 0.5))
b = jnp.asarray(rng.uniform(-0.5, 0.5, n))
c = jnp.asarray(rng.uniform(-0.5, 0.5, n))
ETA = 0.1


def field(theta, phi):
    return A @ phi + b, -(A.T @ theta + c)


@jax.jit
def eg(theta, phi):
    g, d = field(theta, phi)
    g2, d2 = field(theta - ETA * g, phi - ETA * d)
    return theta - ETA * g2, phi - ETA * d2


state = [jnp.zeros(n), jnp.zeros(n)]


def step():
    state[0], state[1] = eg(state[0], state[1])
    jax.block_until_ready(state[1])


time_steps(step, args, {"framework": "jax-jit", "version": jax.__version__, "mb_per_iteration": 4 * 8 * n * n / 1e6})
