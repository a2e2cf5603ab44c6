#if !NET5_0_OR_GREATER // netstandard2.1 here; in Unity, whatever API compatibility level the project picks
namespace System.Runtime.CompilerServices
{
    /// <summary>Lets C# 9 records and init accessors compile on netstandard2.1 (Unity).</summary>
    internal static class IsExternalInit
    {
    }
}
#endif
