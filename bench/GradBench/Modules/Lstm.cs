using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>lstm</c>: a stack of LSTM layers run over a character sequence (b = 14 bits per character), the loss the
/// log-likelihood of each next character; <c>jacobian</c> is its gradient with respect to the main and extra
/// parameters, from the generated Backward.
/// </summary>
internal sealed partial class Lstm : IModule
{
    /// <summary>
    /// The loss. <paramref name="mainParams"/> holds per layer a row of weights and a row of biases, each four blocks of
    /// b (forget, input gate, output gate, change); <paramref name="extraParams"/> the input weights, output weights and
    /// output biases; <paramref name="state"/> per layer the hidden and the cell state (copied, not modified).
    /// </summary>
    [Differentiable(nameof(mainParams), nameof(extraParams))]
    public static double Objective(double[] mainParams, double[] extraParams, double[] state, double[] sequence, int layers, int b)
    {
        int count = sequence.Length / b;
        double[] hidden = new double[layers * b];
        double[] cell = new double[layers * b];
        for (int layer = 0; layer < layers; layer++)
        {
            for (int j = 0; j < b; j++)
            {
                hidden[layer * b + j] = state[2 * layer * b + j];
                cell[layer * b + j] = state[(2 * layer + 1) * b + j];
            }
        }

        double[] input = new double[b];
        double[] prediction = new double[b];
        double total = 0;
        for (int t = 0; t < count - 1; t++)
        {
            for (int j = 0; j < b; j++) input[j] = sequence[t * b + j] * extraParams[j];
            for (int layer = 0; layer < layers; layer++)
            {
                int weights = 2 * layer * 4 * b, biases = (2 * layer + 1) * 4 * b;
                for (int j = 0; j < b; j++)
                {
                    int at = layer * b + j;
                    double forget = Sigmoid(input[j] * mainParams[weights + j] + mainParams[biases + j]);
                    double ingate = Sigmoid(hidden[at] * mainParams[weights + b + j] + mainParams[biases + b + j]);
                    double outgate = Sigmoid(input[j] * mainParams[weights + 2 * b + j] + mainParams[biases + 2 * b + j]);
                    double change = Math.Tanh(hidden[at] * mainParams[weights + 3 * b + j] + mainParams[biases + 3 * b + j]);
                    cell[at] = cell[at] * forget + ingate * change;
                    hidden[at] = outgate * Math.Tanh(cell[at]);
                    input[j] = hidden[at];
                }
            }

            // The prediction's log-sum-exp, with GradBench's "+ 2" and no shift by the maximum.
            double sum = 2;
            for (int j = 0; j < b; j++)
            {
                prediction[j] = input[j] * extraParams[b + j] + extraParams[2 * b + j];
                sum += Math.Exp(prediction[j]);
            }

            double lse = Math.Log(sum);
            for (int j = 0; j < b; j++) total += sequence[(t + 1) * b + j] * (prediction[j] - lse);
        }

        return -total / ((count - 1) * b);
    }

    [Differentiable]
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public Evaluation Prepare(string function, JsonElement input)
    {
        (double[] mainParams, int rows, int width) = Json.Matrix(input.GetProperty("main_params"));
        (double[] extraParams, int extraRows, int b) = Json.Matrix(input.GetProperty("extra_params"));
        (double[] state, int stateRows, int stateWidth) = Json.Matrix(input.GetProperty("state"));
        (double[] sequence, int count, int bits) = Json.Matrix(input.GetProperty("sequence"));
        int layers = rows / 2;
        if (rows % 2 != 0 || width != 4 * b || extraRows != 3 || stateRows != rows || stateWidth != b || bits != b || count < 2)
        {
            throw new ArgumentException("the parameters, state and sequence do not have the shapes of an LSTM with 2·layers rows of 4·b");
        }

        double value = 0;
        double[] dMain = new double[mainParams.Length], dExtra = new double[extraParams.Length];
        return function switch
        {
            "objective" => new Evaluation(() => value = Objective(mainParams, extraParams, state, sequence, layers, b),
                w => w.WriteNumberValue(Json.Finite(value))),
            "jacobian" => new Evaluation(() =>
            {
                Array.Clear(dMain);
                Array.Clear(dExtra);
                ObjectiveBackward(mainParams, extraParams, state, sequence, layers, b, dMain, dExtra);
            }, w =>
            {
                w.WriteStartArray();
                foreach (double g in dMain) w.WriteNumberValue(Json.Finite(g));
                foreach (double g in dExtra) w.WriteNumberValue(Json.Finite(g));
                w.WriteEndArray();
            }),
            _ => throw new KeyNotFoundException($"lstm has no function '{function}'"),
        };
    }
}
