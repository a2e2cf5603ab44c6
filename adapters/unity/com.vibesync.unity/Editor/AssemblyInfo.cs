using System.Runtime.CompilerServices;

// The package's EditMode tests drive the glue's scene port directly.
[assembly: InternalsVisibleTo("VibeSync.Unity.Editor.Tests")]
