using VibeSync.Protocol.State;

namespace VibeSync.Unity.Looks
{
    /// <summary>
    /// KHR_texture_transform (glTF UV space, origin top-left) ⇄ a Unity texture property's tiling and
    /// offset (origin bottom-left). With glTF's v = 1 − v_unity on both sides of
    /// <c>uv' = scale · uv + offset</c>, Unity's tiling is (sx, sy) and its offset
    /// (ox, 1 − oy − sy) — the conversion glTFast makes (MaterialGenerator.TrySetTextureTransform).
    /// Rotation has no place in the Standard or Lit shader's <c>_ST</c> vector: it is not shown in
    /// Unity; the adapter keeps it with the material (notes) so the report round-trips.
    /// </summary>
    public static class TextureTransforms
    {
        /// <summary>The tiling/offset Unity is given for <paramref name="binding"/> (its rotation is not representable).</summary>
        public static UnityScaleOffset ToUnity(TextureBinding binding) =>
            new UnityScaleOffset((float)binding.Scale.X, (float)binding.Scale.Y, (float)binding.Offset.X, (float)(1.0 - binding.Offset.Y - binding.Scale.Y));

        /// <summary>glTF's offset and scale for Unity's tiling/offset.</summary>
        public static (Vector2d Offset, Vector2d Scale) FromUnity(UnityScaleOffset st) =>
            (new Vector2d(st.OffsetX, 1.0 - (double)st.OffsetY - st.ScaleY), new Vector2d(st.ScaleX, st.ScaleY));
    }
}
