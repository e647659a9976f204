namespace Backprop.Gen;

/// <summary>The names of the pipeline's steps, so that tests can check how each one was cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string CustomDerivatives = nameof(CustomDerivatives);
    public const string Registry = nameof(Registry);
    public const string Differentiate = nameof(Differentiate);
    public const string CallGraph = nameof(CallGraph);
    public const string Gate = nameof(Gate);
    public const string Models = nameof(Models);
    public const string Misplaced = nameof(Misplaced);
}
