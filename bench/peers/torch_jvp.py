"""W3 in PyTorch (CPU): one Jacobian-vector product of W1's field F = (grad_theta L_G, grad_phi L_D),
by torch.func.jvp over torch.func.grad (SPEC §7), at W1's starting point along a fixed random tangent."""
import torch
from torch.func import functional_call, grad, jvp

from common import SLOPE, arguments, fixed_inputs, report_failure, sizes, time_steps

args = arguments("PyTorch")
torch.set_num_threads(args.threads)
torch.manual_seed(0)
BATCH, LATENT, HIDDEN, WIDTH, _ = sizes("W1")
G = torch.nn.Sequential(torch.nn.Linear(LATENT, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN),
                        torch.nn.ReLU(), torch.nn.Linear(HIDDEN, WIDTH))
D = torch.nn.Sequential(torch.nn.Linear(WIDTH, HIDDEN), torch.nn.LeakyReLU(SLOPE), torch.nn.Linear(HIDDEN, HIDDEN),
                        torch.nn.LeakyReLU(SLOPE), torch.nn.Linear(HIDDEN, 1))
real_np, noise_np = fixed_inputs(workload="W1")
real, noise = torch.from_numpy(real_np), torch.from_numpy(noise_np)
theta = {k: v.detach() for k, v in G.named_parameters()}
phi = {k: v.detach() for k, v in D.named_parameters()}
v_theta = {k: torch.randn_like(v) for k, v in theta.items()}
v_phi = {k: torch.randn_like(v) for k, v in phi.items()}
sp = torch.nn.functional.softplus


def loss_g(th, ph):
    return sp(-functional_call(D, ph, (functional_call(G, th, (noise,)),))).mean()


def loss_d(ph, th):
    fake = functional_call(G, th, (noise,))
    return sp(-functional_call(D, ph, (real,))).mean() + sp(functional_call(D, ph, (fake,))).mean()


def field(th, ph):
    return grad(loss_g)(th, ph), grad(loss_d)(ph, th)


def product(th, ph, vt, vp):
    return jvp(field, (th, ph), (vt, vp))[1]


# --compile: the whole jvp(grad) product through torch.compile (Dynamo traces torch.func).
compute = torch.compile(product) if args.compile else product


def step():
    return compute(theta, phi, v_theta, v_phi)


framework = "pytorch-compile" if args.compile else "pytorch"
try:
    time_steps(step, args, {"framework": framework, "version": torch.__version__})
except Exception as e:
    if not args.compile:
        raise
    report_failure(args, framework, e)
