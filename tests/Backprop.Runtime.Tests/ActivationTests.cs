using System;
using System.Collections.Generic;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>The scalar activations: values, and their generated first and second derivatives against finite differences.</summary>
public class ActivationTests
{
    public delegate double Backward(double x, ref double dX, double seed);

    public delegate double HessianVector(double x, double v, ref double dX, ref double hX, double seed, double seedTangent);

    public sealed record Activation(string Name, Func<double, double> F, Backward Backward, HessianVector Second, Func<float, float> Single, Func<float, (float Value, float dX)> SingleBackward)
    {
        public override string ToString() => Name;
    }

    public static readonly TheoryData<Activation> All = new()
    {
        new Activation("sigmoid", Activations.Sigmoid, Activations.SigmoidBackward, Activations.SigmoidHessianVector, Activations.Sigmoid, Activations.SigmoidBackward),
        new Activation("tanh", Activations.Tanh, Activations.TanhBackward, Activations.TanhHessianVector, Activations.Tanh, Activations.TanhBackward),
        new Activation("relu", Activations.Relu, Activations.ReluBackward, Activations.ReluHessianVector, Activations.Relu, Activations.ReluBackward),
        new Activation("leaky relu",
            x => Activations.LeakyRelu(x, 0.1),
            (double x, ref double dX, double seed) => Activations.LeakyReluBackward(x, 0.1, ref dX, seed),
            (double x, double v, ref double dX, ref double hX, double seed, double seedTangent) => Activations.LeakyReluHessianVector(x, 0.1, v, ref dX, ref hX, seed, seedTangent),
            x => Activations.LeakyRelu(x, 0.1f),
            x => Activations.LeakyReluBackward(x, 0.1f)),
        new Activation("softplus", Activations.Softplus, Activations.SoftplusBackward, Activations.SoftplusHessianVector, Activations.Softplus, Activations.SoftplusBackward),
    };

    public static IEnumerable<double> Points()
    {
        var random = new Random(7);
        for (int i = 0; i < 40; i++) yield return (random.NextDouble() * 2 - 1) * 6;
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Gradient_matches_finite_differences(Activation activation)
    {
        foreach (double x in Points())
        {
            if (Math.Abs(x) < 1e-3) continue; // the kinks of relu and leaky relu
            double dX = 0.5;
            double value = activation.Backward(x, ref dX, 2.0);
            Assert.Equal(activation.F(x), value);
            double expected = 0.5 + 2.0 * Numeric.Derivative(activation.F, x);
            Assert.True(Math.Abs(dX - expected) <= 1e-7 * Math.Max(1, Math.Abs(expected)), $"{activation} at {x}: {dX} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Second_derivative_matches_finite_differences_of_the_first(Activation activation)
    {
        foreach (double x in Points())
        {
            if (Math.Abs(x) < 1e-3) continue;
            double dX = 0, hX = 0;
            activation.Second(x, 1.0, ref dX, ref hX, 1.0, 0.0);
            double FirstDerivative(double at)
            {
                double d = 0;
                activation.Backward(at, ref d, 1.0);
                return d;
            }

            double expected = Numeric.Derivative(FirstDerivative, x);
            Assert.True(Math.Abs(hX - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{activation} at {x}: {hX} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Single_precision_agrees_with_double(Activation activation)
    {
        foreach (double x in Points())
        {
            if (Math.Abs(x) < 1e-3) continue;
            double dX = 0;
            activation.Backward(x, ref dX, 1.0);
            var (value, gradient) = activation.SingleBackward((float)x);
            Assert.Equal(activation.Single((float)x), value);
            Assert.Equal(activation.F(x), value, 1e-5);
            Assert.Equal(dX, gradient, 1e-5);
        }
    }

    [Fact]
    public void Sigmoid_and_softplus_are_stable_far_from_zero()
    {
        Assert.Equal(1.0, Activations.Sigmoid(800.0));
        Assert.Equal(0.0, Activations.Sigmoid(-800.0));
        Assert.Equal(800.0, Activations.Softplus(800.0));
        foreach (double x in new[] { -40.0, -12.0, -9.5, -8.0 })
        {
            double u = Math.Exp(x), reference = u - u * u / 2 + u * u * u / 3 - u * u * u * u / 4 + Math.Pow(u, 5) / 5;
            Assert.True(Math.Abs(Activations.Softplus(x) - reference) <= 1e-12 * reference, $"softplus({x}) = {Activations.Softplus(x)}, not {reference}");
            Assert.True(Math.Abs(Activations.Softplus(-x) - (-x + reference)) <= 1e-15 * -x);
        }

        var (_, dX) = Activations.SoftplusBackward(-800.0);
        Assert.Equal(0.0, dX);
        Assert.False(double.IsNaN(Activations.SigmoidBackward(-800.0).dX));
    }

    [Fact]
    public void Relu_kink_has_derivative_zero_and_leaky_relu_the_slope()
    {
        Assert.Equal(0.0, Activations.ReluBackward(0.0).dX);
        Assert.Equal(1.0, Activations.ReluBackward(1e-12).dX);
        Assert.Equal(0.2, Activations.LeakyReluBackward(-3.0, 0.2).dX);
        Assert.Equal(0.01, Activations.LeakyReluBackward(-3.0, 0.01).dX);
    }
}
