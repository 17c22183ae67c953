"""Paired ratios of interleaved timings, with a distribution-free interval for their median.

bench/compare and bench/against run the compared programs one right after the other in every
alternation, so a slow phase of a shared machine tends to fall on both runs of a pair. The ratio
within each pair cancels such a phase; the ratio of two medians taken over all alternations does
not (on a host whose speed moves by ±20%, the latter moved from 0.82 to 1.09 between runs).

The median of the n paired ratios comes with the interval [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] of their order
statistics, k the largest with P(B ≤ k − 1) ≤ (1 − level)/2 for B ~ Binomial(n, ½). It holds the
true median ratio with probability at least 1 − 2·P(B ≤ k − 1), whatever the distribution of the
ratios, assuming only that the pairs are independent: the sign test's interval. A slow phase that
spans several alternations makes neighbouring pairs alike, and the interval is then too narrow:
three runs of 10–20 pairs on a shared host gave intervals that barely overlapped
(docs/benchmarks.md). Pooling the pairs of runs taken at different times samples more phases.
Below six pairs no k reaches 95%, so the interval is [min, max] and its own coverage is reported
(93.75% for five pairs). A threshold is decided only when the interval lies wholly on one side of it and its
coverage is at least MIN_COVERAGE; otherwise the verdict is UNDECIDED.
"""
import statistics
from math import comb

LEVEL = 0.95
MIN_COVERAGE = 0.90  # five pairs (93.75%) decide; four (87.5%) do not


def binomial_cdf_half(n, k):
    """P(B ≤ k) for B ~ Binomial(n, 1/2), exactly (0 for k < 0)."""
    return sum(comb(n, i) for i in range(0, k + 1)) / 2 ** n if k >= 0 else 0.0


def median_interval(values, level=LEVEL):
    """(median, low, high, coverage) of `values` (see the module's docstring)."""
    x = sorted(values)
    n = len(x)
    if n == 0:
        raise ValueError("median_interval: no values")
    k = 1
    while binomial_cdf_half(n, k) <= (1 - level) / 2:  # never past the middle: P(B ≤ k) > ½ there
        k += 1
    return statistics.median(x), x[k - 1], x[n - k], 1 - 2 * binomial_cdf_half(n, k - 1)


def verdict(low, high, coverage, threshold):
    """'< t' when the interval lies below t, '> t' when above, else 'UNDECIDED'."""
    if coverage < MIN_COVERAGE:
        return "UNDECIDED"
    if high < threshold:
        return f"< {threshold:g}"
    if low > threshold:
        return f"> {threshold:g}"
    return "UNDECIDED"


def paired(numerator, denominator, threshold):
    """The summary of the ratios numerator[k] / denominator[k] over the alternations k both ran (dicts
    alternation → µs), as a JSON-ready dict; None when no alternation has both."""
    ratios = [numerator[k] / denominator[k] for k in sorted(numerator) if k in denominator]
    if not ratios:
        return None
    median, low, high, coverage = median_interval(ratios)
    return {"median": median, "low": low, "high": high, "coverage": coverage, "pairs": len(ratios),
            "threshold": threshold, "verdict": verdict(low, high, coverage, threshold)}


def describe(summary):
    """One cell: `0.97 [0.82–1.10] 93.8% UNDECIDED`."""
    if summary is None:
        return "–"
    s = summary
    return f"{s['median']:.2f} [{s['low']:.2f}–{s['high']:.2f}] {100 * s['coverage']:.1f}% {s['verdict']}"
