"""W3 in JAX: one Jacobian-vector product of W1's field F = (grad_theta L_G, grad_phi L_D),
jax.jvp of jax.grad under jit (SPEC §7), at W1's starting point along a fixed random tangent."""
import os
import sys

threads_arg = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
if threads_arg == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax
import jax.numpy as jnp

from common import SLOPE, arguments, fixed_inputs, sizes, time_steps


args = arguments("JAX")
BATCH, LATENT, HIDDEN, WIDTH, _ = sizes("W1")
real_np, noise_np = fixed_inputs(workload="W1")
real, noise = jnp.asarray(real_np), jnp.asarray(noise_np)
relu = jax.nn.relu


def init(key, sizes):  # as in jax_gan.py: W1's networks
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        kw, kb, key = jax.random.split(key, 3)
        bound = 1 / a ** 0.5
        params.append((jax.random.uniform(kw, (b, a), minval=-bound, maxval=bound),
                       jax.random.uniform(kb, (b,), minval=-bound, maxval=bound)))
    return params


def mlp(params, x, act):
    for w, b in params[:-1]:
        x = act(x @ w.T + b)
    w, b = params[-1]
    return x @ w.T + b

leaky = lambda x: jnp.where(x > 0, x, SLOPE * x)


def loss_g(gp, dp):
    return jax.nn.softplus(-mlp(dp, mlp(gp, noise, relu), leaky)).mean()


def loss_d(dp, gp):
    fake = mlp(gp, noise, relu)
    return jax.nn.softplus(-mlp(dp, real, leaky)).mean() + jax.nn.softplus(mlp(dp, fake, leaky)).mean()


def field(gp, dp):
    return jax.grad(loss_g)(gp, dp), jax.grad(loss_d)(dp, gp)


gp = init(jax.random.PRNGKey(0), [LATENT, HIDDEN, HIDDEN, WIDTH])
dp = init(jax.random.PRNGKey(1), [WIDTH, HIDDEN, HIDDEN, 1])
leaves, tree = jax.tree_util.tree_flatten((gp, dp))
keys = jax.random.split(jax.random.PRNGKey(2), len(leaves))
tangent = jax.tree_util.tree_unflatten(tree, [jax.random.normal(k, x.shape) for k, x in zip(keys, leaves)])


@jax.jit
def product(gp, dp, tangent):
    return jax.jvp(field, (gp, dp), tangent)[1]


def step():
    jax.block_until_ready(product(gp, dp, tangent))


time_steps(step, args, {"framework": "jax-jit", "version": jax.__version__})
