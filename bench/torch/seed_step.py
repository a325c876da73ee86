"""One training step of the walk-through's seed model in PyTorch (the baseline of `npm run bench`).

Same model and loss as bench/cases/velocity.ts: log1p(spliced ‖ unspliced) standardised per feature →
Linear(2G, 64) → GELU → Linear(64, 64) → GELU → Linear(64, 1) → sigmoid = latent time; per-gene rates
softplus(log α, log β, log γ); 10 clamped Euler steps of size 0.1 from the observed state (autograd through
the loop); loss = MSE(projected spliced, spliced) + mean(t · mean_g v) with v = βu − γs; Adam(1e-3).

Usage: python3 seed_step.py N G REPEATS  → one JSON line {median_ms, samples_ms, threads, peak_rss_mb}.
TORCH_THREADS sets torch's intra-op threads (the bench passes the thread count our kernels use).
Run with jemalloc (LD_PRELOAD=libjemalloc.so.2, MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1), as the
bench does: glibc malloc returns the large autograd buffers to the OS every step and slows torch ~1.3×.
"""
import json
import os
import resource
import sys
import time

import torch


def main() -> None:
    n, g, repeats = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    gen = torch.Generator().manual_seed(2)
    spliced = torch.rand(n, g, generator=gen) * 5
    unspliced = torch.rand(n, g, generator=gen) * 2
    x = torch.log1p(torch.cat([spliced, unspliced], 1))
    mean, scale = x.mean(0), 1 / (x.std(0) + 1e-6)
    net = torch.nn.Sequential(
        torch.nn.Linear(2 * g, 64), torch.nn.GELU(), torch.nn.Linear(64, 64), torch.nn.GELU(), torch.nn.Linear(64, 1)
    )
    rates = torch.nn.Parameter(torch.stack([torch.zeros(g), torch.full((g,), -1.0), torch.full((g,), -2.0)]))
    opt = torch.optim.Adam([*net.parameters(), rates], lr=1e-3)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        feats = (torch.log1p(torch.cat([spliced, unspliced], 1)) - mean) * scale
        t = torch.sigmoid(net(feats)).reshape(-1)
        a, b, c = torch.nn.functional.softplus(rates)
        v = b * unspliced - c * spliced
        u, s = unspliced, spliced
        for _ in range(10):
            u, s = torch.relu(u + 0.1 * (a - b * u)), torch.relu(s + 0.1 * (b * u - c * s))
        loss = torch.mean((s - spliced) ** 2) + torch.mean(t * v.mean(1))
        loss.backward()
        opt.step()

    step()  # warm-up
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        samples.append(1000 * (time.perf_counter() - t0))
    ordered = sorted(samples)
    print(
        json.dumps(
            {
                "median_ms": ordered[len(ordered) // 2],
                "samples_ms": [round(s, 1) for s in samples],
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
