"""W6 / W6-R1 in PyTorch (CPU, eager): one simultaneous step of the DCGAN of common.py (torch.nn
modules, NCHW), by torch_common.gan_step; R1 differentiates through the convolutions twice
(autograd.grad with create_graph=True). Both peers start from common.dcgan_parameters().
--check FILE.npz: one W6 / W6-R1 step in float64 instead of timing (check_dcgan.py)."""
import numpy as np
import torch
from torch import nn

from common import DC_EPSILON, LATENT, SLOPE, arguments, dcgan_options, dcgan_parameters, fixed_inputs
from torch_common import gan_step, time_gan_step


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 128 * 7 * 7)
        self.bn1 = nn.BatchNorm2d(128, eps=DC_EPSILON, track_running_stats=False)
        self.deconv1 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(64, eps=DC_EPSILON, track_running_stats=False)
        self.deconv2 = nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1)

    def forward(self, z):
        x = torch.relu(self.bn1(self.fc(z).view(-1, 128, 7, 7)))
        x = torch.relu(self.bn2(self.deconv1(x)))
        return torch.sigmoid(self.deconv2(x))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(64, 128, 4, stride=2, padding=1)
        self.fc = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.conv1(x), SLOPE)
        x = nn.functional.leaky_relu(self.conv2(x), SLOPE)
        return self.fc(x.flatten(1))


def workload_step(workload, dtype=torch.float32):
    """The networks at common.dcgan_parameters(), and one W6 / W6-R1 step on the fixed inputs."""
    G, D = Generator().to(dtype), Discriminator().to(dtype)
    initial = dcgan_parameters()
    for prefix, net in (("G.", G), ("D.", D)):
        net.load_state_dict({k[2:]: torch.from_numpy(v).to(dtype) for k, v in initial.items() if k.startswith(prefix)})
    real_np, noise_np = fixed_inputs(workload=workload)
    real, noise = torch.from_numpy(real_np).to(dtype), torch.from_numpy(noise_np).to(dtype)
    return G, D, real, noise, workload == "W6-R1"


if __name__ == "__main__":  # torch_dcgan_profile.py imports the networks
    args = arguments("PyTorch", dcgan_options)
    torch.set_num_threads(args.threads)
    G, D, real, noise, r1 = workload_step(args.workload, torch.float64 if args.check else torch.float32)
    if args.check:
        gan_step(G, D, real, noise, r1)()
        np.savez(args.check, **{prefix + k: v.detach().numpy() for prefix, net in (("G.", G), ("D.", D))
                                for k, v in net.state_dict().items()})
    else:
        time_gan_step(args, G, D, real, noise, r1)
