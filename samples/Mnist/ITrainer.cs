using System;

namespace Mnist;

/// <summary>What the training loop needs of a trainer: one optimizer step per mini-batch, and an evaluation.</summary>
internal interface ITrainer
{
    /// <summary>The optimizer's learning rate, for the schedule.</summary>
    double LearningRate { get; set; }

    /// <summary>The largest random shift, in pixels, of a training digit (0 for none).</summary>
    int Shifts { get; init; }

    /// <summary>One optimizer step on a mini-batch of training digits; returns the batch's summed loss.</summary>
    double Step(Dataset data, ReadOnlySpan<int> batch, int epoch);

    /// <summary>The mean loss and the accuracy over samples <c>[from, to)</c>.</summary>
    (double Loss, double Accuracy) Evaluate(Dataset data, int from, int to);
}
