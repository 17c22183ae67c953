"""W1 / W1-R1 / W2 in JAX: the MLP GANs of common.py, the whole step (both gradients and the
update) under jit (jax_common.gan_update)."""
from jax_common import gan_update, time_update  # first: sets the thread count before jax is imported

import jax
import jax.numpy as jnp

from common import SLOPE, arguments, fixed_inputs, sizes

args = arguments("JAX")
BATCH, LATENT, HIDDEN, WIDTH, SIGMOID = sizes(args.workload)
real_np, noise_np = fixed_inputs(workload=args.workload)
real, noise = jnp.asarray(real_np), jnp.asarray(noise_np)


def init(key, sizes):
    params = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        kw, kb, key = jax.random.split(key, 3)
        bound = 1 / a ** 0.5
        params.append((jax.random.uniform(kw, (b, a), minval=-bound, maxval=bound),
                       jax.random.uniform(kb, (b,), minval=-bound, maxval=bound)))
    return params


def mlp(params, x, act, out=lambda y: y):
    for w, b in params[:-1]:
        x = act(x @ w.T + b)
    w, b = params[-1]
    return out(x @ w.T + b)


g_out = jax.nn.sigmoid if SIGMOID else (lambda y: y)
leaky = lambda x: jnp.where(x > 0, x, SLOPE * x)
update = gan_update(lambda gp, z: mlp(gp, z, jax.nn.relu, g_out), lambda dp, x: mlp(dp, x, leaky), real, noise,
                    args.workload == "W1-R1")
time_update(args, update, init(jax.random.PRNGKey(0), [LATENT, HIDDEN, HIDDEN, WIDTH]),
            init(jax.random.PRNGKey(1), [WIDTH, HIDDEN, HIDDEN, 1]))
