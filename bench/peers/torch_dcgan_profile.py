"""Where PyTorch's W6 / W6-R1 step spends its time (torch.profiler, CPU, eager): is the double
backward that R1 needs through the convolutions a slower path than the first-order work? Issue 17
sets W6-R1's target at 0.75 x PyTorch only if it is.

    /path/to/peers-venv/bin/python bench/peers/torch_dcgan_profile.py [--threads 1] [--steps 10]

For W6 and W6-R1 (the step of torch_dcgan.py, torch_common.gan_step, unchanged): the median of 20
timed steps after 3 warm-ups; then, profiled over --steps steps, the self CPU time per step split by
the autograd node each op ran under -- double backward (nodes named *BackwardBackward*: they exist
only because R1's gradient is differentiated), first-order backward (other nodes), and the rest
(forward passes, losses, update) -- with each part's convolution ops, their FLOPs (2 x multiply-adds
from the shapes) and GFLOP/s; and every convolution op's name, to show whether any of them left
oneDNN (slow_conv*, thnn*, *nnpack*)."""
import argparse
import math
import statistics
import time
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from torch_common import gan_step
from torch_dcgan import workload_step

CONV_OPS = ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::_convolution")
SLOW_MARKS = ("slow_conv", "thnn", "nnpack", "conv_depthwise")


def part(event):
    """The part of the step an op ran in, from the innermost autograd node above it."""
    e = event.cpu_parent
    while e is not None:
        if e.name.startswith("autograd::engine::evaluate_function:"):
            return "double backward" if "BackwardBackward" in e.name else "first-order backward"
        e = e.cpu_parent
    return "forward, losses, update"


def conv_flops(event):
    """2 x multiply-adds of a convolution op from its recorded shapes (0 where they are missing):
    2 x (pixels of the side the kernel slides over) x (weight entries) per product."""
    shapes, ci = event.input_shapes, getattr(event, "concrete_inputs", None) or []
    try:
        if event.name == "aten::convolution_backward":  # (grad_out, input, weight, ..., transposed, ..., output_mask)
            weight, transposed = shapes[2], bool(ci) and ci[7] in (True, "True")
            mask = ci[10] if ci else [True, True, True]
            side = shapes[1] if transposed else shapes[0]  # a transposed convolution slides over its smaller input
            return 2 * side[0] * side[2] * side[3] * math.prod(weight) * (int(bool(mask[0])) + int(bool(mask[1])))
        inp, weight = shapes[0], shapes[1]
        if event.name == "aten::_convolution" and ci and ci[6] in (True, "True"):  # transposed
            return 2 * inp[0] * inp[2] * inp[3] * math.prod(weight)
        # _convolution: (input, weight, bias, stride, padding, dilation, ...); mkldnn_convolution:
        # (input, weight, bias, padding, stride, dilation, groups)
        stride, pad = (ci[3], ci[4]) if event.name == "aten::_convolution" else (ci[4], ci[3])
        dilation, (kh, kw) = ci[5], weight[2:]
        oh = (inp[2] + 2 * pad[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        ow = (inp[3] + 2 * pad[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        return 2 * inp[0] * oh * ow * math.prod(weight)
    except (IndexError, TypeError, ValueError):
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s), {args.steps} profiled steps")
    for workload in ("W6", "W6-R1"):
        step = gan_step(*workload_step(workload))
        for _ in range(3):
            step()
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for _ in range(args.steps):
                step()
        total, conv_ms, conv_flop, names, slow = defaultdict(float), defaultdict(float), defaultdict(float), set(), []
        for e in prof.events():
            where = part(e)
            total[where] += e.self_cpu_time_total / 1e3 / args.steps
            if e.name in CONV_OPS or any(m in e.name for m in SLOW_MARKS):
                names.add(e.name)
                if any(m in e.name for m in SLOW_MARKS):
                    slow.append(e.name)
            if e.name in ("aten::mkldnn_convolution", "aten::convolution_backward") or (
                    e.name == "aten::_convolution" and not any(c.name in CONV_OPS for c in e.cpu_children)):
                conv_ms[where] += e.cpu_time_total / 1e3 / args.steps
                conv_flop[where] += conv_flops(e) / args.steps
        print(f"\n{workload}: median of 20 steps {statistics.median(times):.1f} ms (profiled: {sum(total.values()):.1f} ms)")
        print(f"  {'part':26} {'ms/step':>8} {'conv ms':>8} {'conv MFLOP':>11} {'GFLOP/s':>8}")
        for where in ("forward, losses, update", "first-order backward", "double backward"):
            rate = conv_flop[where] / conv_ms[where] / 1e6 if conv_ms[where] else 0
            print(f"  {where:26} {total[where]:8.1f} {conv_ms[where]:8.1f} {conv_flop[where] / 1e6:11.1f} {rate:8.1f}")
        print(f"  convolution ops seen: {', '.join(sorted(names))}; outside oneDNN: {', '.join(sorted(set(slow))) or 'none'}")


if __name__ == "__main__":
    main()
