"""The jitted simultaneous GAN step of the JAX peers of W1 / W1-R1 / W2 (jax_gan.py) and W6 / W6-R1
(jax_dcgan.py), and its timing. Import this module before jax: it sets the thread count."""
import os
import sys

# Thread count: XLA's CPU backend takes it from flags read at import; 1 thread also pins the
# intra-op pool (the driver additionally runs 1-thread peers under `taskset -c 0`).
threads_arg = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
if threads_arg == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax  # noqa: E402 (after the flags)

from common import GAMMA, STEP, time_steps  # noqa: E402


def gan_update(g, d, real, noise, r1):
    """The whole step under jit: update(gp, dp) -> (gp', dp'), both players' gradients at (gp, dp)
    (non-saturating losses; with `r1`, (GAMMA/2) * mean over the batch of ||grad_x D(x)||^2 in D's
    loss, by jax.grad of sum D over x inside the loss), then SGD with STEP on both. g(gp, z) and
    d(dp, x) are the networks; `real` and `noise` are constants of the step."""
    batch = real.shape[0]

    def loss_d(dp, gp):
        loss = jax.nn.softplus(-d(dp, real)).mean() + jax.nn.softplus(d(dp, g(gp, noise))).mean()
        if r1:
            gx = jax.grad(lambda x: d(dp, x).sum())(real)
            loss = loss + GAMMA / 2 * (gx ** 2).sum() / batch
        return loss

    def loss_g(gp, dp):
        return jax.nn.softplus(-d(dp, g(gp, noise))).mean()

    @jax.jit
    def update(gp, dp):
        gd = jax.grad(loss_d)(dp, gp)
        gg = jax.grad(loss_g)(gp, dp)
        sub = lambda p, q: p - STEP * q
        return jax.tree_util.tree_map(sub, gp, gg), jax.tree_util.tree_map(sub, dp, gd)

    return update


def time_update(args, update, gp, dp):
    """Times `update` from (gp, dp) as the driver asks (`args`) and prints its JSON line."""
    state = [gp, dp]

    def step():
        state[0], state[1] = update(state[0], state[1])
        jax.block_until_ready(state[1])

    time_steps(step, args, {"framework": "jax-jit", "version": jax.__version__})
