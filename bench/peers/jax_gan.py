"""W1 / W1-R1 / W2 in JAX: the whole step (both gradients and the update) under jit."""
import os
import sys

# Thread count: XLA's CPU backend takes it from flags read at import; 1 thread also pins the
# intra-op pool (the driver additionally runs 1-thread peers under `taskset -c 0`).
threads_arg = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
if threads_arg == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax
import jax.numpy as jnp

from common import GAMMA, SLOPE, STEP, arguments, fixed_inputs, sizes, time_steps

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


relu = jax.nn.relu
g_out = jax.nn.sigmoid if SIGMOID else (lambda y: y)
leaky = lambda x: jnp.where(x > 0, x, SLOPE * x)
r1 = args.workload == "W1-R1"


def loss_d(dp, gp):
    d = lambda x: mlp(dp, x, leaky)
    fake = mlp(gp, noise, relu, g_out)
    loss = jax.nn.softplus(-d(real)).mean() + jax.nn.softplus(d(fake)).mean()
    if r1:
        gx = jax.grad(lambda x: d(x).sum())(real)
        loss = loss + GAMMA / 2 * (gx ** 2).sum() / BATCH
    return loss


def loss_g(gp, dp):
    return jax.nn.softplus(-mlp(dp, mlp(gp, noise, relu, g_out), leaky)).mean()


@jax.jit
def update(gp, dp):
    gd = jax.grad(loss_d)(dp, gp)
    gg = jax.grad(loss_g)(gp, dp)
    sub = lambda p, g: p - STEP * g
    return jax.tree_util.tree_map(sub, gp, gg), jax.tree_util.tree_map(sub, dp, gd)


state = [init(jax.random.PRNGKey(0), [LATENT, HIDDEN, HIDDEN, WIDTH]), init(jax.random.PRNGKey(1), [WIDTH, HIDDEN, HIDDEN, 1])]


def step():
    state[0], state[1] = update(state[0], state[1])
    jax.block_until_ready(state[1])


time_steps(step, args, {"framework": "jax-jit", "version": jax.__version__})
