using System;
using System.IO;
using System.Linq;
using Conv;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>The conv sample's network: its gradient, and its model-class twin.</summary>
public class ConvSampleTests
{
    private static readonly Lazy<Digits> Data = new(() => Digits.Load(Path.Combine(AppContext.BaseDirectory, "data")));

    [Fact]
    public void The_model_class_trains_bit_for_bit_like_the_static_chain() =>
        Assert.Equal(0.0, Training.CompareModelWithStatic(Data.Value, seed: 3, steps: 8, batch: 8));

    [Fact]
    public void The_static_chain_gradient_matches_finite_differences_on_the_convolution()
    {
        Parameters p = Parameters.Create(5);
        var random = new Random(5);
        for (int i = 0; i < p.Bias.Length; i++) p.Bias[i] = 0.2 * random.NextDouble() - 0.1; // off the ReLU's kink
        int label = Data.Value.Labels[7];
        double[] dKernel = new double[p.Kernel.Length], dBias = new double[p.Bias.Length];
        ConvNet.LossBackward(p.Kernel, p.Bias, p.W, p.B, Data.Value.Image(7), label, dKernel, dBias, null, null);
        double[] point = p.Kernel.Concat(p.Bias).ToArray();
        double Loss(double[] x)
        {
            x.AsSpan(0, p.Kernel.Length).CopyTo(p.Kernel);
            x.AsSpan(p.Kernel.Length).CopyTo(p.Bias);
            return ConvNet.Loss(p.Kernel, p.Bias, p.W, p.B, Data.Value.Image(7), label);
        }

        GradientCheckResult check = GradientCheck.Compare(dKernel.Concat(dBias).ToArray(), GradientCheck.NumericGradient(Loss, point, relativeStep: 1e-5));
        Assert.True(check.Passed(1e-5), check.ToString());
    }
}
