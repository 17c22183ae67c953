"""The simultaneous GAN step of the PyTorch peers of W1 / W1-R1 / W2 (torch_gan.py) and W6 / W6-R1
(torch_dcgan.py), and its timing: autograd.grad with create_graph=True for R1, as the field does.

With --compile, G and D run as torch.compile'd modules (Inductor generates fused C++ kernels for
their forward and, through AOTAutograd, backward graphs); the step's autograd.grad calls and the
update stay eager, as in a compiled training loop. Double backward (R1) is not supported through
compiled graphs: that case reports the error instead of a time."""
import torch

from common import GAMMA, STEP, report_failure, time_steps

softplus = torch.nn.functional.softplus


def gan_step(G, D, real, noise, r1, compile=False):
    """One simultaneous step, as a function: both players' gradients at the same point (non-saturating
    losses; with `r1`, (GAMMA/2) * mean over the batch of ||grad_x D(x)||^2 added to D's loss), then
    SGD with STEP on both. G's and D's parameters are updated in place."""
    g_params, d_params = list(G.parameters()), list(D.parameters())
    if compile:
        G, D = torch.compile(G), torch.compile(D)
    batch = real.shape[0]

    def step():
        x = real.requires_grad_(r1)
        fake = G(noise)
        d_real, d_fake = D(x), D(fake)
        loss_d = softplus(-d_real).mean() + softplus(d_fake).mean()
        if r1:
            (gx,) = torch.autograd.grad(d_real.sum(), x, create_graph=True)
            loss_d = loss_d + GAMMA / 2 * gx.pow(2).sum() / batch
        loss_g = softplus(-d_fake).mean()
        grads_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
        grads_g = torch.autograd.grad(loss_g, g_params)
        with torch.no_grad():
            for p, g in zip(d_params, grads_d):
                p.sub_(STEP * g)
            for p, g in zip(g_params, grads_g):
                p.sub_(STEP * g)

    return step


def time_gan_step(args, G, D, real, noise, r1):
    """Times `gan_step` as the driver asks (`args`) and prints its JSON line."""
    framework = "pytorch-compile" if args.compile else "pytorch"
    try:
        time_steps(gan_step(G, D, real, noise, r1, args.compile), args, {"framework": framework, "version": torch.__version__})
    except Exception as e:  # torch.compile paths that do not run
        if not args.compile:
            raise
        report_failure(args, framework, e)
