using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary><c>hello</c>: <c>square(x) = x·x</c>, and <c>double(x)</c>, its derivative, from the generated Backward.</summary>
internal sealed partial class Hello : IModule
{
    [Differentiable]
    public static double Square(double x) => x * x;

    public Evaluation Prepare(string function, JsonElement input)
    {
        double x = input.GetDouble();
        double result = 0;
        return function switch
        {
            "square" => new Evaluation(() => result = Square(x), w => w.WriteNumberValue(Json.Finite(result))),
            "double" => new Evaluation(() => result = SquareBackward(x).dX, w => w.WriteNumberValue(Json.Finite(result))),
            _ => throw new KeyNotFoundException($"hello has no function '{function}'"),
        };
    }
}
