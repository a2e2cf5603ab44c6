// The 3D view of a pending intent: three.js (from npm, embedded in serve) draws Reality as boxes at
// each object's transform, with the proposed change shown. Draws every canvas[data-scene] on the page,
// and again whenever the live feed swaps a section in (console.js sends "console:updated").
import * as THREE from "./three.module.js";

const COLORS = { same: 0x9aa3ad, moved: 0x2f6fdf, new: 0x1f9d4c, deleted: 0xd0312d };

function box(object, change, ghost) {
  const size = object.kind === "mesh" ? 1 : 0.35; // meshes are not drawn yet: a unit box; empties, cameras and lights smaller
  const geometry = new THREE.BoxGeometry(size, size, size);
  const material = new THREE.MeshStandardMaterial({
    color: COLORS[change], transparent: ghost || change === "deleted", opacity: ghost ? 0.45 : change === "deleted" ? 0.6 : 1,
    wireframe: change === "deleted",
  });
  return new THREE.Mesh(geometry, material);
}

function place(node, t) {
  node.position.fromArray(t.translation);
  node.quaternion.fromArray(t.rotation); // [x, y, z, w], as three.js takes it
  node.scale.fromArray(t.scale);
}

async function draw(canvas) {
  canvas.dataset.rendered = "pending";
  const reply = await fetch(canvas.dataset.scene, { credentials: "same-origin" });
  if (!reply.ok) { canvas.dataset.rendered = "failed"; return; }
  const objects = await reply.json();
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf1f3f5);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(5, 10, 7);
  scene.add(sun);

  // One node per object at its local transform, parented as in Reality: three.js composes the world transforms.
  const nodes = new Map();
  for (const o of objects) {
    const node = new THREE.Group();
    place(node, o);
    node.add(box(o, o.change, o.change === "moved"));
    nodes.set(o.uuid, node);
  }
  for (const o of objects) (o.parent && nodes.has(o.parent) ? nodes.get(o.parent) : scene).add(nodes.get(o.uuid));
  for (const o of objects.filter((x) => x.change === "moved")) {
    const was = new THREE.Group(); // where it is now, solid grey
    place(was, o.from);
    was.add(box(o, "same", false));
    (o.parent && nodes.has(o.parent) ? nodes.get(o.parent) : scene).add(was);
  }

  const bounds = new THREE.Box3().setFromObject(scene);
  const center = bounds.getCenter(new THREE.Vector3());
  const radius = Math.max(bounds.getSize(new THREE.Vector3()).length() / 2, 2);
  scene.add(new THREE.GridHelper(Math.ceil(radius * 4), Math.ceil(radius * 4), 0xb8c0c8, 0xd8dde3)); // after the framing: the floor does not widen it
  const camera = new THREE.PerspectiveCamera(45, canvas.width / canvas.height, 0.05, radius * 20);
  camera.position.copy(center).add(new THREE.Vector3(radius * 1.2, radius * 0.9, radius * 1.6));
  camera.lookAt(center);
  // preserveDrawingBuffer: the frame stays readable (a screenshot, the test's pixel check).
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.render(scene, camera);
  canvas.dataset.rendered = "done";
}

function drawAll() {
  for (const canvas of document.querySelectorAll("canvas[data-scene]:not([data-rendered])")) draw(canvas);
}

drawAll();
document.addEventListener("console:updated", drawAll);
