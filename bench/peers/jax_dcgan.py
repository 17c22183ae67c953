"""W6 / W6-R1 in JAX: one simultaneous step of the DCGAN of common.py, the whole step under jit
(jax_common.gan_update; R1 by jax.grad of sum D over x inside D's loss, so XLA differentiates the
convolutions twice). Plain jax.numpy and lax.conv_general_dilated, NCHW with PyTorch's weight shapes
and state_dict names; batch norm with the batch's statistics written out. Both peers start from
common.dcgan_parameters(). --check FILE.npz: one W6 / W6-R1 step in float64 instead of timing
(check_dcgan.py)."""
import sys

from jax_common import gan_update, time_update  # first: sets the thread count before jax is imported

import jax

if "--check" in sys.argv:
    jax.config.update("jax_enable_x64", True)  # before any array is made
import jax.numpy as jnp
import numpy as np

from common import DC_EPSILON, SLOPE, arguments, dcgan_options, dcgan_parameters, fixed_inputs

DIMENSIONS = ("NCHW", "OIHW", "NCHW")


def linear(p, name, x):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def lax_conv(x, w):
    """Conv2d(k 4, stride 2, padding 1) without bias; w (out, in, kH, kW)."""
    return jax.lax.conv_general_dilated(x, w, (2, 2), ((1, 1), (1, 1)), dimension_numbers=DIMENSIONS)


def weight_derivative(x, g):
    """The derivative in w of <lax_conv(x, w), g> (XLA's own rule: a convolution of x by g)."""
    _, vjp = jax.vjp(lambda w: lax_conv(x, w), jnp.zeros((g.shape[1], x.shape[1], 4, 4), x.dtype))
    return vjp(g)[0]


# The strided convolution and the transposed convolution are each other's adjoint in x, which gives
# both their derivatives, written with each other and weight_derivative. (XLA's own derivatives of
# the transposed convolution's dilated form — deconv1's weight derivative, and in R1 the weight
# derivative of conv2's input derivative — are convolutions with a dilated kernel that its CPU
# backend runs 25-30 times slower at these shapes: deconv1's alone took 390-400 ms on one thread, 15
# by this rule; the whole step took 432 ms (W6) and 736 ms (W6-R1) with XLA's rules, 168 and 216 ms
# with these, 2026-12-04 on a loaded machine. JAX would lose by that slow path, not by the workload.)
# The rules are differentiable, so R1 differentiates D twice through them; check_dcgan.py confirms
# them against PyTorch.
@jax.custom_vjp
def strided_conv(x, w):
    return lax_conv(x, w)


@jax.custom_vjp
def transposed_conv(x, w):
    """ConvTranspose2d(k 4, stride 2, padding 1) without bias; w (in, out, kH, kW): the convolution
    of the input dilated by the stride (zeros between pixels), padded by k - 1 - padding = 2, with
    the kernel flipped in space and its channel axes swapped; the adjoint in x of lax_conv(., w), w
    read as that convolution's (out, in)."""
    wt = jnp.flip(w, (2, 3)).transpose(1, 0, 2, 3)
    return jax.lax.conv_general_dilated(x, wt, (1, 1), ((2, 2), (2, 2)), lhs_dilation=(2, 2), dimension_numbers=DIMENSIONS)


strided_conv.defvjp(lambda x, w: (strided_conv(x, w), (x, w)),
                    lambda xw, g: (transposed_conv(g, xw[1]), weight_derivative(xw[0], g)))
transposed_conv.defvjp(lambda x, w: (transposed_conv(x, w), (x, w)),
                       lambda xw, g: (strided_conv(g, xw[1]), weight_derivative(g, xw[0])))


def conv(p, name, x):
    return strided_conv(x, p[name + ".weight"]) + p[name + ".bias"][None, :, None, None]


def deconv(p, name, x):
    return transposed_conv(x, p[name + ".weight"]) + p[name + ".bias"][None, :, None, None]


def batch_norm(p, name, x):
    """Training-mode BatchNorm2d: each channel normalized by its mean and biased variance over
    (N, H, W), then scaled and shifted."""
    mean = x.mean((0, 2, 3), keepdims=True)
    var = ((x - mean) ** 2).mean((0, 2, 3), keepdims=True)
    scale = p[name + ".weight"][None, :, None, None] * jax.lax.rsqrt(var + DC_EPSILON)
    return (x - mean) * scale + p[name + ".bias"][None, :, None, None]


def generator(p, z):
    x = jax.nn.relu(batch_norm(p, "bn1", linear(p, "fc", z).reshape(-1, 128, 7, 7)))
    x = jax.nn.relu(batch_norm(p, "bn2", deconv(p, "deconv1", x)))
    return jax.nn.sigmoid(deconv(p, "deconv2", x))


def discriminator(p, x):
    leaky = lambda y: jnp.where(y > 0, y, SLOPE * y)
    x = leaky(conv(p, "conv2", leaky(conv(p, "conv1", x))))
    return linear(p, "fc", x.reshape(x.shape[0], -1))


args = arguments("JAX", dcgan_options)
dtype = jnp.float64 if args.check else jnp.float32
initial = dcgan_parameters()
gp, dp = ({k[2:]: jnp.asarray(v, dtype) for k, v in initial.items() if k.startswith(prefix)} for prefix in ("G.", "D."))
real_np, noise_np = fixed_inputs(workload=args.workload)
update = gan_update(generator, discriminator, jnp.asarray(real_np, dtype), jnp.asarray(noise_np, dtype),
                    args.workload == "W6-R1")
if args.check:
    gp, dp = update(gp, dp)
    np.savez(args.check, **{prefix + k: np.asarray(v) for prefix, net in (("G.", gp), ("D.", dp)) for k, v in net.items()})
else:
    time_update(args, update, gp, dp)
