"""W5 in PyTorch (CPU, eager): one iteration of the default `saddle train`, without its metrics, logs
and checkpoints (GANTraining.loop with TrainingConfiguration's defaults).

Networks (Float32): G z in R^64 -> 128 -> 128 -> 2 (ReLU), D 2 -> 128 -> 128 -> 1 (LeakyReLU 0.2),
initialized as Saddle does (Kaiming-uniform weights with the activation's gain, zero biases).
omega = (theta, phi) is the iterate; `g_prev` the field stored by the previous iteration; Adam's
m, v and clock t (torch.optim.Adam's state, fused on the CPU); `ema` the generator's moving average.

One step (ExtrapolationFromThePast.step with the Adam rule, then the loop's EMA update):
  1. d = Adam(g_prev): t <- t + 1; m <- b1 m + (1 - b1) g_prev; v <- b2 v + (1 - b2) g_prev^2;
     d = -alpha (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
     (alpha = 3e-3 for both players, b1 = 0.5, b2 = 0.99, eps = 1e-8)
  2. omega_bar = omega + d in G's and D's parameters (the point F is evaluated at; 1. and 2. are
     one opt.step() with g_prev as the gradients, omega kept aside)
  3. a fresh minibatch (the oracle call's draw), torch's generator: z ~ N(0, I) [256, 64];
     x = a uniformly chosen ring mode (radius 2, 8 modes) + N(0, 0.02^2 I) [256, 2]
  4. g = F(omega_bar) on that minibatch, both blocks at omega_bar (simultaneous), each player's
     block only its own gradient:
       L_G = mean softplus(-D(G(z)))                         -> g_theta = grad_theta L_G
       L_D = mean softplus(-D(x)) + mean softplus(D(G(z)))
             + (gamma/2) mean_i ||grad_x D(x_i)||^2, gamma = 0.1 (R1 on real samples: a double
             backward, grad_x D taken with create_graph=True) -> g_phi = grad_phi L_D
  5. g_prev <- g
  6. d = Adam(g) (the clock and the moments advance again: Past-Extra-Adam's second half-step);
     omega <- omega + d (the parameters reset to omega, then opt.step() with g)
  7. ema <- 0.999 ema + 0.001 theta
One oracle call per step; before the timed steps, g_prev = F(omega_0) on its own minibatch (EFTP's
default first step, one extra call at start), as `saddle train` does. The step size is constant
over the first 5,000 iterations of `saddle train`, so the timed steps have no decay; --check runs
the decay. (Saddle's minibatch also holds 256 uniform interpolation weights for WGAN-GP, unused
under R1; not drawn here.)

With --compile, G and D run as torch.compile'd modules, as in torch_gan.py; R1's double backward
does not go through compiled graphs, and the script then reports the error instead of a time.
--check N trains N iterations from the start (with `saddle train`'s step-size decay) and prints the
share of generated samples within 3 std of a ring mode, to show that the timed loop learns.
"""
import copy
import math

import torch

from common import (HIDDEN, LATENT, LEAKY_GAIN, RELU_GAIN, RING_STD, SLOPE, W5_ALPHA, W5_BATCH, W5_BETA1,
                    W5_BETA2, W5_EMA, W5_EPSILON, W5_GAMMA, arguments, learning_check, report_failure,
                    ring_means, time_steps, w5_options)

args = arguments("PyTorch", w5_options)
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rng = torch.Generator().manual_seed(args.seed + 1)  # the minibatch draws


def mlp(sizes, activation, gain):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layer = torch.nn.Linear(a, b)
        last = i == len(sizes) - 2
        bound = (1.0 if last else gain) * math.sqrt(3 / a)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound)
            layer.bias.zero_()
        layers += [layer] if last else [layer, activation()]
    return torch.nn.Sequential(*layers)


G = mlp([LATENT, HIDDEN, HIDDEN, 2], torch.nn.ReLU, RELU_GAIN)
D = mlp([2, HIDDEN, HIDDEN, 1], lambda: torch.nn.LeakyReLU(SLOPE), LEAKY_GAIN)
sampler = copy.deepcopy(G)  # for --check's samples of theta and of the EMA
# Between steps the modules' parameters hold omega; inside a step they hold omega_bar while F is
# evaluated, and `omega` keeps omega meanwhile.
g_params, d_params = list(G.parameters()), list(D.parameters())
params = g_params + d_params
n_theta = len(g_params)
omega = [p.detach().clone() for p in params]
ema = [p.detach().clone() for p in g_params]
means = torch.from_numpy(ring_means())
# Adam as torch.optim implements it (the same arithmetic as Saddle's: d = -alpha m_hat / (sqrt(v_hat) + eps)),
# fused into one kernel per tensor where this torch has it on the CPU (else the foreach form); each
# opt.step() advances every parameter's clock and moments, so both half-steps do.
try:
    opt = torch.optim.Adam(params, lr=W5_ALPHA, betas=(W5_BETA1, W5_BETA2), eps=W5_EPSILON, fused=True)
    adam_kind = "fused"
except (RuntimeError, TypeError, ValueError):
    opt = torch.optim.Adam(params, lr=W5_ALPHA, betas=(W5_BETA1, W5_BETA2), eps=W5_EPSILON, foreach=True)
    adam_kind = "foreach"
if args.compile:
    G, D = torch.compile(G), torch.compile(D)
sp = torch.nn.functional.softplus


def minibatch():
    z = torch.randn(W5_BATCH, LATENT, generator=rng)
    modes = torch.randint(0, len(means), (W5_BATCH,), generator=rng)
    x = means[modes] + RING_STD * torch.randn(W5_BATCH, 2, generator=rng)
    return z, x


def field():
    """F at the point held by G's and D's parameters, on a fresh minibatch: (g_theta..., g_phi...)."""
    z, x = minibatch()
    x.requires_grad_(True)
    fake = G(z)
    d_real, d_fake = D(x), D(fake)
    (gx,) = torch.autograd.grad(d_real.sum(), x, create_graph=True)
    loss_d = sp(-d_real).mean() + sp(d_fake).mean() + W5_GAMMA / 2 * gx.pow(2).sum() / W5_BATCH
    loss_g = sp(-d_fake).mean()
    grads_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
    grads_g = torch.autograd.grad(loss_g, g_params)
    return list(grads_g) + list(grads_d)


def adam_step(g):
    """params <- params + Adam's displacement for the field g."""
    for p, gp in zip(params, g):
        p.grad = gp
    opt.step()


g_prev = [None]


def step(factor=1.0):
    for group in opt.param_groups:
        group["lr"] = W5_ALPHA * factor
    with torch.no_grad():
        torch._foreach_copy_(omega, params)                                  # keep omega
    adam_step(g_prev[0])                                                     # 1., 2. params = omega_bar
    g = field()                                                              # 3., 4.
    g_prev[0] = g                                                            # 5.
    with torch.no_grad():
        torch._foreach_copy_(params, omega)
    adam_step(g)                                                             # 6. params = omega + d
    with torch.no_grad():
        torch._foreach_lerp_(ema, g_params, 1 - W5_EMA)                      # 7. ema + 0.001 (theta - ema)


def generated():
    """2,500 samples of the last iterate's and of the EMA generator, from one fixed noise batch."""
    z = torch.randn(2500, LATENT, generator=torch.Generator().manual_seed(12345))
    out = []
    with torch.no_grad():
        for theta in (g_params, ema):
            torch._foreach_copy_(list(sampler.parameters()), theta)
            out.append(sampler(z).numpy().copy())
    return out


framework = "pytorch-compile" if args.compile else "pytorch"
try:
    g_prev[0] = field()  # EFTP's first step: g_{-1} = F(omega_0) (G and D hold omega_0), not timed
    if args.check:
        learning_check(args, step, generated, framework, torch.__version__)
    else:
        time_steps(step, args, {"framework": framework, "version": torch.__version__, "adam": adam_kind})
except Exception as e:  # torch.compile paths that do not run
    if not args.compile:
        raise
    report_failure(args, framework, e)
