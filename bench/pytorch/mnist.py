"""The MNIST main job of samples/Mnist, in PyTorch, for a side-by-side comparison.

Same network (784-128-10, ReLU), same data (the shipped 8,000/2,000 split), same training: Adam with the sample's
cosine decay of the learning rate, mini-batches of 32 shuffled every epoch, every training digit shifted by up to
2 pixels in each direction (a new shift every epoch), He-normal hidden weights and Xavier-uniform output weights,
zero biases, and the test set evaluated after every epoch (inside the timed part, as the sample does).

Run with Debian's python3-torch and OpenBLAS (apt-get install python3-torch libopenblas0-pthread; without OpenBLAS,
Debian's torch falls back to the reference BLAS, about 6x slower):
    /usr/bin/python3 bench/pytorch/mnist.py --dtype float32 --threads 1
It prints "test accuracy: X%" and "trained in S s", as the sample does.
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x00000803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols)
    if magic == 0x00000801:
        return np.frombuffer(data, dtype=np.uint8, offset=8)
    raise ValueError(f"{path}: not an IDX file")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "samples", "Mnist", "data"))
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--shift", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    images = load_idx(os.path.join(args.data, "mnist10k-images-idx3-ubyte.gz"))
    labels = load_idx(os.path.join(args.data, "mnist10k-labels-idx1-ubyte.gz"))
    test = len(images) // 5
    train = len(images) - test
    x = torch.tensor(images, dtype=dtype) / 255.0
    y = torch.tensor(labels.astype(np.int64))
    x_train, y_train, x_test, y_test = x[:train], y[:train], x[train:], y[train:]

    # Zero-padded copies, so that a shift is a crop: shifted[r][c] = image[r - dy][c - dx].
    s = args.shift
    padded = torch.zeros(train, 28 + 2 * s, 28 + 2 * s, dtype=dtype)
    padded[:, s:s + 28, s:s + 28] = x_train.view(train, 28, 28)
    grid = torch.arange(28)

    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dtype)
    torch.nn.init.kaiming_normal_(model[0].weight, nonlinearity="relu")
    torch.nn.init.xavier_uniform_(model[2].weight)
    torch.nn.init.zeros_(model[0].bias)
    torch.nn.init.zeros_(model[2].bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)

    start = time.perf_counter()
    accuracy = 0.0
    for epoch in range(args.epochs):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * epoch / args.epochs)))
        order = torch.randperm(train, generator=generator)
        model.train()
        for first in range(0, train, args.batch):
            batch = order[first:first + args.batch]
            if s > 0:
                dx = torch.randint(-s, s + 1, (len(batch),), generator=generator)
                dy = torch.randint(-s, s + 1, (len(batch),), generator=generator)
                rows = grid[None, :] - dy[:, None] + s
                cols = grid[None, :] - dx[:, None] + s
                inputs = padded[batch[:, None, None], rows[:, :, None], cols[:, None, :]].reshape(len(batch), 784)
            else:
                inputs = x_train[batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), y_train[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).double().mean().item()
    elapsed = time.perf_counter() - start
    print(f"PyTorch {torch.__version__} {args.dtype}, {torch.get_num_threads()} thread(s)")
    print(f"test accuracy: {accuracy * 100:.2f}%")
    print(f"trained in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
