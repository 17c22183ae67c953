"""W1 / W1-R1 / W2 in PyTorch (CPU): autograd.grad with create_graph=True for R1, as the field does.

With --compile, G and D run as torch.compile'd modules (Inductor generates fused C++ kernels for
their forward and, through AOTAutograd, backward graphs); the step's autograd.grad calls and the
update stay eager, as in a compiled training loop. Double backward (W1-R1's R1 term) is not
supported through compiled graphs: that case reports the error instead of a time."""
import torch

from common import GAMMA, SLOPE, STEP, arguments, fixed_inputs, report_failure, sizes, time_steps

args = arguments("PyTorch")
torch.set_num_threads(args.threads)
torch.manual_seed(0)
BATCH, LATENT, HIDDEN, WIDTH, SIGMOID = sizes(args.workload)
G = torch.nn.Sequential(torch.nn.Linear(LATENT, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN),
                        torch.nn.ReLU(), torch.nn.Linear(HIDDEN, WIDTH), *([torch.nn.Sigmoid()] if SIGMOID else []))
D = torch.nn.Sequential(torch.nn.Linear(WIDTH, HIDDEN), torch.nn.LeakyReLU(SLOPE), torch.nn.Linear(HIDDEN, HIDDEN),
                        torch.nn.LeakyReLU(SLOPE), torch.nn.Linear(HIDDEN, 1))
real_np, noise_np = fixed_inputs(workload=args.workload)
real, noise = torch.from_numpy(real_np), torch.from_numpy(noise_np)
g_params, d_params = list(G.parameters()), list(D.parameters())
if args.compile:
    G, D = torch.compile(G), torch.compile(D)
r1 = args.workload == "W1-R1"
sp = torch.nn.functional.softplus


def step():
    x = real.requires_grad_(r1)
    fake = G(noise)
    d_real, d_fake = D(x), D(fake)
    loss_d = sp(-d_real).mean() + sp(d_fake).mean()
    if r1:
        (gx,) = torch.autograd.grad(d_real.sum(), x, create_graph=True)
        loss_d = loss_d + GAMMA / 2 * gx.pow(2).sum() / BATCH
    loss_g = sp(-d_fake).mean()
    grads_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
    grads_g = torch.autograd.grad(loss_g, g_params)
    with torch.no_grad():
        for p, g in zip(d_params, grads_d):
            p.sub_(STEP * g)
        for p, g in zip(g_params, grads_g):
            p.sub_(STEP * g)


framework = "pytorch-compile" if args.compile else "pytorch"
try:
    time_steps(step, args, {"framework": framework, "version": torch.__version__})
except Exception as e:  # torch.compile paths that do not run
    if not args.compile:
        raise
    report_failure(args, framework, e)
