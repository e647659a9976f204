using Backprop;

namespace Physics;

public static partial class Projectile
{
    public static readonly Vec2 Gravity = new(0, -9.81);

    /// <summary>One step of semi-implicit Euler with quadratic air drag: a = g − k·|v|·v.</summary>
    public static Body Step(Body body, double drag, double dt)
    {
        Vec2 acceleration = Gravity - drag * body.Velocity.Length * body.Velocity;
        Vec2 velocity = body.Velocity + dt * acceleration;
        return new Body(body.Position + dt * velocity, velocity);
    }

    /// <summary>Where the projectile is after <paramref name="steps"/> steps, launched from the origin at <paramref name="launch"/>.</summary>
    public static Vec2 Simulate(Vec2 launch, double drag, int steps, double dt)
    {
        var body = new Body(new Vec2(0, 0), launch);
        for (int i = 0; i < steps; i++) body = Step(body, drag, dt);
        return body.Position;
    }

    /// <summary>
    /// The squared distance from the target after <paramref name="steps"/> steps. The generator differentiates it
    /// through every step of the simulation, the struct's operators and <c>Step</c> included.
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
    public static double Miss(Vec2 launch, double drag, [NoDerivative] Vec2 target, int steps, [NoDerivative] double dt)
    {
        var body = new Body(new Vec2(0, 0), launch);
        for (int i = 0; i < steps; i++) body = Step(body, drag, dt);
        Vec2 off = body.Position - target;
        return off.Dot(off);
    }
}
