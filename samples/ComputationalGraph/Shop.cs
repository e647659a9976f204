using Backprop;

namespace ComputationalGraph;

/// <summary>The shopping examples of a computational graph: prices flowing through multiplications and a sum.</summary>
public static partial class Shop
{
    /// <summary>The price of <paramref name="count"/> apples at <paramref name="apple"/> each, with tax.</summary>
    [Differentiable]
    public static double Price(double apple, double count, double tax) => apple * count * tax;

    /// <summary>The price of a basket of apples and oranges, with tax.</summary>
    [Differentiable]
    public static double Basket(double apple, double appleCount, double orange, double orangeCount, double tax)
    {
        double apples = apple * appleCount;
        double oranges = orange * orangeCount;
        double total = apples + oranges;
        return total * tax;
    }
}
