// The 3D view of a pending intent: three.js (from npm, embedded in serve) draws Reality from its glTF
// export (/console/reality.glb, what `vibesync export --gltf --engine reality` writes) with the proposed
// change shown over it, its nodes matched to VibeSync objects by the uuid the export puts in each node's
// extras. When serve does not send the GLB (a scene over the view's bound), every object is a box at its
// transform and the page says why. Draws every canvas[data-scene] on the page, and again whenever the
// live feed swaps a section in (console.js sends "console:updated").
import * as THREE from "./three.module.js";
import { GLTFLoader } from "./GLTFLoader.js";
import { OrbitControls } from "./OrbitControls.js";

const COLORS = { same: 0x9aa3ad, moved: 0x2f6fdf, new: 0x1f9d4c, deleted: 0xd0312d };

function look(change, ghost) {
  return new THREE.MeshStandardMaterial({
    color: COLORS[change], transparent: ghost || change === "deleted", opacity: ghost ? 0.45 : change === "deleted" ? 0.6 : 1,
    wireframe: change === "deleted", depthWrite: !ghost,
  });
}

function box(object, change, ghost) {
  const size = object.kind === "mesh" ? 1 : 0.35; // a unit box for a mesh; empties, cameras and lights smaller
  return new THREE.Mesh(new THREE.BoxGeometry(size, size, size), look(change, ghost));
}

function place(node, t) {
  node.position.fromArray(t.translation);
  node.quaternion.fromArray(t.rotation); // [x, y, z, w], as three.js takes it
  node.scale.fromArray(t.scale);
}

const isObjectNode = (n) => typeof n.userData.vibesync_kind === "string"; // node extras; a mesh's extras carry no kind

// A copy of what one object draws itself (its mesh primitives), without the objects parented to it.
function own(node) {
  const copy = node.clone(false);
  for (const child of node.children) if (!isObjectNode(child)) copy.add(own(child));
  return copy;
}

function paint(node, material) {
  let meshes = 0;
  const visit = (n) => {
    if (n.isMesh) { n.material = material; meshes++; }
    for (const child of n.children) if (!isObjectNode(child)) visit(child);
  };
  visit(node);
  return meshes;
}

async function reality(url) {
  const reply = await fetch(url, { credentials: "same-origin" });
  if (!reply.ok) return { why: (await reply.text()) || `HTTP ${reply.status}` };
  const gltf = await new GLTFLoader().parseAsync(await reply.arrayBuffer(), "");
  return { root: gltf.scene };
}

// Reality's glTF with the change drawn over it; focus: what the change touches (the view is framed on it).
function fromGltf(root, objects, focus) {
  const nodes = new Map();
  root.traverse((n) => { if (isObjectNode(n)) nodes.set(n.userData.vibesync_uuid, n); });
  const byMesh = new Map(); // a mesh Reality holds -> an object that draws it, for a new object naming it
  for (const o of objects) if (o.mesh && o.change !== "new" && nodes.has(o.uuid) && !byMesh.has(o.mesh)) byMesh.set(o.mesh, nodes.get(o.uuid));
  const added = new Map();
  for (const o of objects) {
    if (o.change === "moved" && nodes.has(o.uuid)) {
      const ghost = own(nodes.get(o.uuid)); // solid where it is (the glTF's own node), ghosted blue where it would go
      if (paint(ghost, look("moved", true)) === 0) ghost.add(box(o, "moved", true));
      place(ghost, o);
      added.set(o.uuid, ghost);
      focus.push(nodes.get(o.uuid), ghost);
    } else if (o.change === "new" || (o.change === "moved" && !nodes.has(o.uuid))) {
      const mesh = o.mesh && byMesh.get(o.mesh);
      const fresh = mesh ? own(mesh) : new THREE.Group();
      if (!mesh || paint(fresh, look("new", false)) === 0) fresh.add(box(o, "new", false));
      place(fresh, o);
      added.set(o.uuid, fresh);
      focus.push(fresh);
    } else if (o.change === "deleted" && nodes.has(o.uuid)) {
      const node = nodes.get(o.uuid);
      if (paint(node, look("deleted", false)) === 0) node.add(box(o, "deleted", false));
      focus.push(node);
    }
  }
  // Parented after the intent: to an object drawn already, a new one, or the scene.
  const fresh = new Set(objects.filter((o) => o.change === "new").map((o) => o.uuid));
  for (const o of objects.filter((x) => added.has(x.uuid))) {
    const parent = !o.parent ? null : fresh.has(o.parent) ? added.get(o.parent) : nodes.get(o.parent);
    (parent || root).add(added.get(o.uuid));
  }
  return root;
}

// Every object a box at its transform, parented as in Reality.
function fromBoxes(objects, focus) {
  const root = new THREE.Group();
  const nodes = new Map();
  for (const o of objects) {
    const node = new THREE.Group();
    place(node, o);
    node.add(box(o, o.change, o.change === "moved"));
    nodes.set(o.uuid, node);
    if (o.change !== "same") focus.push(node);
  }
  for (const o of objects) (o.parent && nodes.has(o.parent) ? nodes.get(o.parent) : root).add(nodes.get(o.uuid));
  for (const o of objects.filter((x) => x.change === "moved")) {
    const was = new THREE.Group(); // where it is now, solid grey
    place(was, o.from);
    was.add(box(o, "same", false));
    focus.push(was);
    (o.parent && nodes.has(o.parent) ? nodes.get(o.parent) : root).add(was);
  }
  return root;
}

function note(canvas, text) {
  const p = document.createElement("p");
  p.className = "view3d-note";
  p.textContent = text; // the server's reason is data, never markup
  canvas.after(p);
}

async function draw(canvas) {
  canvas.dataset.rendered = "pending";
  const [reply, glb] = await Promise.all([fetch(canvas.dataset.scene, { credentials: "same-origin" }), reality(canvas.dataset.glb)]);
  if (!reply.ok) { canvas.dataset.rendered = "failed"; return; }
  const objects = await reply.json();
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf1f3f5);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(5, 10, 7);
  scene.add(sun);
  const focus = [];
  if (glb.root) {
    scene.add(fromGltf(glb.root, objects, focus));
    canvas.dataset.source = "gltf";
  } else {
    scene.add(fromBoxes(objects, focus));
    canvas.dataset.source = "boxes";
    note(canvas, `Drawn as boxes at each object's transform: ${glb.why}.`);
  }
  let meshes = 0;
  scene.traverse((n) => { if (n.isMesh) meshes++; });
  canvas.dataset.meshes = String(meshes);
  const textured = new Set(); // the glTF's images three.js decoded, as textures on the meshes drawn
  scene.traverse((n) => { if (n.isMesh && n.material.map && n.material.map.image) textured.add(n.material.map); });
  canvas.dataset.textures = String(textured.size);

  scene.updateMatrixWorld(true);
  const whole = new THREE.Box3().setFromObject(scene);
  const changed = new THREE.Box3();
  for (const o of focus) changed.expandByObject(o);
  const framed = changed.isEmpty() ? whole : changed; // framed on what the intent changes; the whole scene when nothing is drawn for it
  const center = framed.isEmpty() ? new THREE.Vector3() : framed.getCenter(new THREE.Vector3());
  const radius = framed.isEmpty() ? 2 : Math.max(framed.getSize(new THREE.Vector3()).length() / 2, 2);
  const extent = whole.isEmpty() ? radius : Math.max(radius, whole.getSize(new THREE.Vector3()).length() / 2 + center.distanceTo(whole.getCenter(new THREE.Vector3())));
  scene.add(new THREE.GridHelper(Math.ceil(radius * 4), Math.ceil(radius * 4), 0xb8c0c8, 0xd8dde3)); // after the framing: the floor does not widen it
  const camera = new THREE.PerspectiveCamera(45, canvas.width / canvas.height, 0.05, extent * 20);
  camera.position.copy(center).add(new THREE.Vector3(radius * 1.2, radius * 0.9, radius * 1.6));
  // preserveDrawingBuffer: the frame stays readable (a screenshot, the test's pixel check).
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  // Turn (left drag), pan (right drag, or shift), zoom (wheel) around the change; drawn again on each move, never in a loop.
  const controls = new OrbitControls(camera, canvas);
  controls.target.copy(center);
  controls.maxDistance = extent * 10;
  controls.addEventListener("change", () => {
    renderer.render(scene, camera);
    canvas.dataset.camera = camera.position.toArray().map((v) => v.toFixed(3)).join(",");
  });
  controls.update(); // looks at the target and draws the first frame
  renderer.render(scene, camera);
  canvas.dataset.rendered = "done";
}

function drawAll() {
  for (const canvas of document.querySelectorAll("canvas[data-scene]:not([data-rendered])")) {
    draw(canvas).catch((e) => { canvas.dataset.rendered = "failed"; note(canvas, `The 3D view failed: ${e.message}`); });
  }
}

drawAll();
document.addEventListener("console:updated", drawAll);
