using System;

namespace Physics;

/// <summary>A 2-D vector, written the way C# numeric code usually is: a struct with operators. It needs no attribute.</summary>
public struct Vec2
{
    public double X, Y;

    public Vec2(double x, double y)
    {
        X = x;
        Y = y;
    }

    public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);

    public static Vec2 operator -(Vec2 a, Vec2 b) => new(a.X - b.X, a.Y - b.Y);

    public static Vec2 operator *(double k, Vec2 a) => new(k * a.X, k * a.Y);

    public readonly double Dot(Vec2 other) => X * other.X + Y * other.Y;

    public readonly double Length => Math.Sqrt(X * X + Y * Y);

    public override readonly string ToString() => FormattableString.Invariant($"({X:0.000}, {Y:0.000})");
}

/// <summary>The state of the projectile.</summary>
public record struct Body(Vec2 Position, Vec2 Velocity);
