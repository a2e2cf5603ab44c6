// The core's IUnityMeshApi over a real UnityEngine.Mesh: each member one Mesh call (the List<T>
// overloads, checked against Unity's reference source: ApiStub/README.md), flat float arrays copied
// into and out of Unity's vector types. Compiled against the stub; never run here.
using System.Collections.Generic;
using UnityEngine;
using VibeSync.Unity.Meshes;
using Mesh = UnityEngine.Mesh;

namespace VibeSync.Unity.Editor
{
    internal sealed class UnityMeshApi : IUnityMeshApi
    {
        private readonly Mesh _mesh;

        public UnityMeshApi(Mesh mesh) { _mesh = mesh; }

        public void Clear(bool keepVertexLayout) => _mesh.Clear(keepVertexLayout);

        public MeshIndexFormat IndexFormat
        {
            get => _mesh.indexFormat == UnityEngine.Rendering.IndexFormat.UInt32 ? MeshIndexFormat.UInt32 : MeshIndexFormat.UInt16;
            set => _mesh.indexFormat = value == MeshIndexFormat.UInt32 ? UnityEngine.Rendering.IndexFormat.UInt32 : UnityEngine.Rendering.IndexFormat.UInt16;
        }

        public int VertexCount => _mesh.vertexCount;

        public int SubMeshCount { get => _mesh.subMeshCount; set => _mesh.subMeshCount = value; }

        public void SetVertices(float[] xyz) => _mesh.SetVertices(Vectors3(xyz));

        public float[] GetVertices() { var l = new List<Vector3>(); _mesh.GetVertices(l); return Flat(l); }

        public void SetNormals(float[] xyz) => _mesh.SetNormals(Vectors3(xyz));

        public float[] GetNormals() { var l = new List<Vector3>(); _mesh.GetNormals(l); return Flat(l); }

        public void SetTangents(float[] xyzw)
        {
            var l = new List<Vector4>(xyzw.Length / 4);
            for (int i = 0; i < xyzw.Length; i += 4) l.Add(new Vector4(xyzw[i], xyzw[i + 1], xyzw[i + 2], xyzw[i + 3]));
            _mesh.SetTangents(l);
        }

        public float[] GetTangents()
        {
            var l = new List<Vector4>();
            _mesh.GetTangents(l);
            var a = new float[l.Count * 4];
            for (int i = 0; i < l.Count; i++) { a[4 * i] = l[i].x; a[4 * i + 1] = l[i].y; a[4 * i + 2] = l[i].z; a[4 * i + 3] = l[i].w; }
            return a;
        }

        // Float RGBA stored as given (Mesh.SetColors(List<Color>) keeps Float32; glTFast stores COLOR_0 the same way).
        public void SetColors(float[] rgba)
        {
            var l = new List<Color>(rgba.Length / 4);
            for (int i = 0; i < rgba.Length; i += 4) l.Add(new Color(rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]));
            _mesh.SetColors(l);
        }

        public float[] GetColors()
        {
            var l = new List<Color>();
            _mesh.GetColors(l);
            var a = new float[l.Count * 4];
            for (int i = 0; i < l.Count; i++) { a[4 * i] = l[i].r; a[4 * i + 1] = l[i].g; a[4 * i + 2] = l[i].b; a[4 * i + 3] = l[i].a; }
            return a;
        }

        public void SetUVs(int channel, float[] uv)
        {
            var l = new List<Vector2>(uv.Length / 2);
            for (int i = 0; i < uv.Length; i += 2) l.Add(new Vector2(uv[i], uv[i + 1]));
            _mesh.SetUVs(channel, l);
        }

        public float[] GetUVs(int channel)
        {
            var l = new List<Vector2>();
            _mesh.GetUVs(channel, l);
            var a = new float[l.Count * 2];
            for (int i = 0; i < l.Count; i++) { a[2 * i] = l[i].x; a[2 * i + 1] = l[i].y; }
            return a;
        }

        public void SetTriangles(int[] triangles, int submesh) => _mesh.SetTriangles(new List<int>(triangles), submesh);

        public int[] GetTriangles(int submesh) { var l = new List<int>(); _mesh.GetTriangles(l, submesh); return l.ToArray(); }

        public void RecalculateNormals() => _mesh.RecalculateNormals();

        public void RecalculateBounds() => _mesh.RecalculateBounds();

        private static List<Vector3> Vectors3(float[] xyz)
        {
            var l = new List<Vector3>(xyz.Length / 3);
            for (int i = 0; i < xyz.Length; i += 3) l.Add(new Vector3(xyz[i], xyz[i + 1], xyz[i + 2]));
            return l;
        }

        private static float[] Flat(List<Vector3> l)
        {
            var a = new float[l.Count * 3];
            for (int i = 0; i < l.Count; i++) { a[3 * i] = l[i].x; a[3 * i + 1] = l[i].y; a[3 * i + 2] = l[i].z; }
            return a;
        }
    }
}
