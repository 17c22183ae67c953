"""W1 / W1-R1 / W2 in PyTorch (CPU): the MLP GANs of common.py, stepped by torch_common.gan_step
(autograd.grad with create_graph=True for R1, as the field does; --compile as described there)."""
import torch

from common import SLOPE, arguments, fixed_inputs, sizes
from torch_common import time_gan_step

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
time_gan_step(args, G, D, real, noise, args.workload == "W1-R1")
