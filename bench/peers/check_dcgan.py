#!/usr/bin/env python3
"""Cross-check of the W6 / W6-R1 peers: torch_dcgan.py and jax_dcgan.py each run one step in float64
(--check) from the same initial parameters (common.dcgan_parameters, PyTorch state_dict names and
shapes) on the same inputs (common.fixed_inputs), and this compares their updated parameters, and
the updates (updated - initial = -STEP * gradient), over all parameters of each network:
max |a - b| / max |a|. Both peers compute the same step when these are at rounding level (float64).

    /path/to/peers-venv/bin/python bench/peers/check_dcgan.py [--workloads W6,W6-R1] [--tolerance 1e-9]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from common import dcgan_parameters

HERE = os.path.dirname(os.path.abspath(__file__))


def relative(a, b):
    return float(np.abs(a - b).max() / np.abs(a).max())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="W6,W6-R1")
    p.add_argument("--tolerance", type=float, default=1e-9, help="largest relative difference of the updates accepted")
    a = p.parse_args()
    initial = dcgan_parameters()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for workload in a.workloads.split(","):
            results = []
            for script in ("torch_dcgan.py", "jax_dcgan.py"):
                out = os.path.join(tmp, f"{script}.{workload}.npz")
                subprocess.run([sys.executable, os.path.join(HERE, script), "--workload", workload, "--threads", "1",
                                "--check", out], check=True, cwd=HERE)
                results.append(np.load(out))
            torch_result, jax_result = results
            for net in ("G", "D"):
                names = [k for k in initial if k.startswith(net + ".")]
                flat = lambda r: np.concatenate([np.ravel(r[k]) for k in names])
                start = np.concatenate([np.ravel(initial[k]) for k in names])
                params = relative(flat(torch_result), flat(jax_result))
                updates = relative(flat(torch_result) - start, flat(jax_result) - start)
                worst = max(worst, updates)
                print(f"{workload} {net}: parameters agree to {params:.1e}, updates to {updates:.1e} (relative, "
                      f"max over {start.size} entries; largest update {np.abs(flat(torch_result) - start).max():.2e})")
    if worst > a.tolerance:
        sys.exit(f"check_dcgan: the peers' updates differ by {worst:.1e} > {a.tolerance:.0e}")


if __name__ == "__main__":
    main()
