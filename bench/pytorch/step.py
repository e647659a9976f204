"""One training step of the main job's network in PyTorch (forward, backward, Adam) on a batch of 64, timed.

    /usr/bin/python3 bench/pytorch/step.py [--dtype float32|float64]

Prints the median time per step in microseconds over 15 rounds of 200 steps, after a warm-up, with one thread:
the PyTorch column of the training step in docs/performance.md (bench --quick runs it when PyTorch is installed).
"""
import argparse
import statistics
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(args.batch, 784, dtype=dtype)
    y = torch.arange(args.batch) % 10

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(300):
        step()
    rounds = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(200):
            step()
        rounds.append((time.perf_counter() - start) / 200 * 1e6)
    print(f"{statistics.median(rounds):.1f}")


if __name__ == "__main__":
    main()
