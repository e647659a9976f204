using System;
using System.Globalization;
using ComputationalGraph;

// Backward passes through a computational graph, checked against the worked numbers of the reference example.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool allMatch = true;

var (price, dApple, dCount, dTax) = Shop.PriceBackward(100, 2, 1.1);
Console.WriteLine("apple × count × tax with apple = 100, count = 2, tax = 1.1");
Report("price", price, 220);
Report("∂price/∂apple", dApple, 2.2);
Report("∂price/∂count", dCount, 110);
Report("∂price/∂tax", dTax, 200);

Console.WriteLine();
Console.WriteLine("(apple × appleCount + orange × orangeCount) × tax with 3 oranges at 150");
var basket = Shop.BasketBackward(100, 2, 150, 3, 1.1);
Report("price", basket.Value, 715);
Report("∂price/∂apple", basket.dApple, 2.2);
Report("∂price/∂appleCount", basket.dAppleCount, 110);
Report("∂price/∂orange", basket.dOrange, 3.3);
Report("∂price/∂orangeCount", basket.dOrangeCount, 165);
Report("∂price/∂tax", basket.dTax, 650);
return allMatch ? 0 : 1;

void Report(string name, double value, double reference)
{
    bool ok = Math.Abs(value - reference) < 1e-9 * Math.Max(1, Math.Abs(reference));
    allMatch &= ok;
    Console.WriteLine($"  {name,-20} {value,10:0.####}   reference {reference,8:0.####}   {(ok ? "ok" : "MISMATCH")}");
}
