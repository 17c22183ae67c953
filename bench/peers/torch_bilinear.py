"""W4 in PyTorch (CPU, float64): one extragradient iteration on a dense bilinear game
min_theta max_phi theta^T A phi + b^T theta + c^T phi, n = 1000 (W4-1000) or 4000 (W4-4000).
Two oracle calls per iteration, each A @ phi and A^T @ theta (four passes over A)."""
import numpy as np
import torch

from common import arguments, report_failure, time_steps

args = arguments("PyTorch")
torch.set_num_threads(args.threads)
n = int(args.workload.split("-")[1])
rng = np.random.default_rng(0)
A = torch.from_numpy(np.eye(n) + rng.standard_normal((n, n)) / (2 * n ** 0.5))
b = torch.from_numpy(rng.uniform(-0.5, 0.5, n))
c = torch.from_numpy(rng.uniform(-0.5, 0.5, n))
state = [torch.zeros(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64)]
ETA = 0.1


def field(theta, phi):
    return A @ phi + b, -(A.T @ theta + c)


def eg(theta, phi):
    g, d = field(theta, phi)
    g2, d2 = field(theta - ETA * g, phi - ETA * d)
    return theta - ETA * g2, phi - ETA * d2


compute = torch.compile(eg) if args.compile else eg  # --compile: the iteration through torch.compile


def step():
    state[0], state[1] = compute(state[0], state[1])


framework = "pytorch-compile" if args.compile else "pytorch"
try:
    time_steps(step, args, {"framework": framework, "version": torch.__version__, "mb_per_iteration": 4 * 8 * n * n / 1e6})
except Exception as e:
    if not args.compile:
        raise
    report_failure(args, framework, e)
