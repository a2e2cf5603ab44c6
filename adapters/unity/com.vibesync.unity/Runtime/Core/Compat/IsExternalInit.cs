// Records and init accessors need this type; .NET Standard 2.1 (Unity) does not have it. It is
// internal, so each assembly that uses records carries its own (the protocol library has one too).
#if !NET5_0_OR_GREATER
namespace System.Runtime.CompilerServices
{
    /// <summary>Lets C# 9 records compile on netstandard2.1 (Unity).</summary>
    internal static class IsExternalInit
    {
    }
}
#endif
