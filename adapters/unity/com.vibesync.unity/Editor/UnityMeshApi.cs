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

        public void SetBoneWeights(int[] indices, float[] weights)
        {
            var w = new BoneWeight[indices.Length / 4];
            for (int v = 0; v < w.Length; v++)
            {
                int i = 4 * v;
                w[v] = new BoneWeight
                {
                    boneIndex0 = indices[i], boneIndex1 = indices[i + 1], boneIndex2 = indices[i + 2], boneIndex3 = indices[i + 3],
                    weight0 = weights[i], weight1 = weights[i + 1], weight2 = weights[i + 2], weight3 = weights[i + 3],
                };
            }
            _mesh.boneWeights = w;
        }

        public void GetBoneWeights(out int[] indices, out float[] weights)
        {
            var w = _mesh.boneWeights;
            indices = new int[w.Length * 4];
            weights = new float[w.Length * 4];
            for (int v = 0; v < w.Length; v++)
            {
                int i = 4 * v;
                (indices[i], indices[i + 1], indices[i + 2], indices[i + 3]) = (w[v].boneIndex0, w[v].boneIndex1, w[v].boneIndex2, w[v].boneIndex3);
                (weights[i], weights[i + 1], weights[i + 2], weights[i + 3]) = (w[v].weight0, w[v].weight1, w[v].weight2, w[v].weight3);
            }
        }

        // Matrix4x4's fields in column-major order (m00, m10, m20, m30, m01, …), the core's layout.
        public float[] Bindposes
        {
            get
            {
                var poses = _mesh.bindposes;
                var a = new float[poses.Length * 16];
                for (int k = 0; k < poses.Length; k++)
                {
                    var m = poses[k];
                    new[] { m.m00, m.m10, m.m20, m.m30, m.m01, m.m11, m.m21, m.m31, m.m02, m.m12, m.m22, m.m32, m.m03, m.m13, m.m23, m.m33 }.CopyTo(a, 16 * k);
                }
                return a;
            }
            set
            {
                var poses = new Matrix4x4[value.Length / 16];
                for (int k = 0; k < poses.Length; k++)
                {
                    int i = 16 * k;
                    poses[k] = new Matrix4x4
                    {
                        m00 = value[i], m10 = value[i + 1], m20 = value[i + 2], m30 = value[i + 3],
                        m01 = value[i + 4], m11 = value[i + 5], m21 = value[i + 6], m31 = value[i + 7],
                        m02 = value[i + 8], m12 = value[i + 9], m22 = value[i + 10], m32 = value[i + 11],
                        m03 = value[i + 12], m13 = value[i + 13], m23 = value[i + 14], m33 = value[i + 15],
                    };
                }
                _mesh.bindposes = poses;
            }
        }

        public void ClearBlendShapes() => _mesh.ClearBlendShapes();

        // Tangent deltas null: VibeSync syncs none (glTF's TANGENT targets are not exported by Blender by default).
        public void AddBlendShapeFrame(string name, float frameWeight, float[] deltaVertices, float[]? deltaNormals) =>
            _mesh.AddBlendShapeFrame(name, frameWeight, Vectors3(deltaVertices).ToArray(), deltaNormals == null ? null! : Vectors3(deltaNormals).ToArray(), null!);

        public int BlendShapeCount => _mesh.blendShapeCount;

        public string GetBlendShapeName(int shapeIndex) => _mesh.GetBlendShapeName(shapeIndex);

        public int GetBlendShapeFrameCount(int shapeIndex) => _mesh.GetBlendShapeFrameCount(shapeIndex);

        public void GetBlendShapeFrameVertices(int shapeIndex, int frameIndex, float[] deltaVertices, float[] deltaNormals)
        {
            var dv = new Vector3[deltaVertices.Length / 3];
            var dn = new Vector3[deltaNormals.Length / 3];
            _mesh.GetBlendShapeFrameVertices(shapeIndex, frameIndex, dv, dn, null!);
            Flat(new List<Vector3>(dv)).CopyTo(deltaVertices, 0);
            Flat(new List<Vector3>(dn)).CopyTo(deltaNormals, 0);
        }

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
