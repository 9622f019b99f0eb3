"""What changes along a training run: the learning rate's and the KL term's weights per step, and the best epoch.

Steps count optimisation steps from 0. The learning rate rises linearly over the warm-up and
then stays (constant) or follows a half cosine down to 0 at the last step (cosine). The KL
weight rises linearly from 0 to 1 over its warm-up. BestEpoch keeps a copy of the weights of
the epoch with the lowest validation loss, and says when patience has run out.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def lr_factor(step: int, total_steps: int, warmup_steps: int, schedule: str) -> float:
    """The learning rate at `step` as a share of the peak: (step + 1) / warmup_steps during the warm-up, then 1
    (constant) or 0.5 * (1 + cos(pi * progress)) with progress from 0 after the warm-up to 1 at total_steps."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def lr_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int, schedule: str):
    """A LambdaLR that sets `optimizer`'s learning rate to peak * lr_factor(step, ...); call .step() after each
    optimiser step."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, warmup_steps, schedule)
    )


def kl_weight(step: int, warmup_steps: int) -> float:
    """The KL term's weight at `step`: step / warmup_steps, rising linearly from 0 to 1 (1 from then on;
    always 1 without a warm-up)."""
    return 1.0 if warmup_steps <= 0 else min(1.0, step / warmup_steps)


class BestEpoch:
    """The epoch with the lowest validation loss among those that end at or after `from_step` (the end of the
    KL warm-up: before it the network was trained on another objective), and a copy of its weights.

    patience: epochs without improvement after which `should_stop` says yes; 0 never does.
    """

    def __init__(self, patience: int, from_step: int = 0):
        self.patience = patience
        self.from_step = from_step
        self.epoch: int | None = None
        self.loss = math.inf
        self.weights: dict[str, torch.Tensor] | None = None
        self.waited = 0

    def update(self, epoch: int, step: int, loss: float, network: nn.Module) -> None:
        """After `epoch` (ending at `step` steps done) with validation loss `loss`: keep its weights if best."""
        if step < self.from_step:
            return
        if loss < self.loss:
            self.epoch, self.loss, self.waited = epoch, loss, 0
            self.weights = {k: v.detach().clone() for k, v in network.state_dict().items()}
        else:
            self.waited += 1

    @property
    def should_stop(self) -> bool:
        return self.patience > 0 and self.waited >= self.patience

    def restore(self, network: nn.Module) -> int | None:
        """Put the best epoch's weights back into `network`; returns that epoch (None: none kept, weights stay)."""
        if self.weights is not None:
            network.load_state_dict(self.weights)
        return self.epoch
