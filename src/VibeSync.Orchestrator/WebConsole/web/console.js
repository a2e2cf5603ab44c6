// The console's only script (served from the assembly; the CSP allows no other and nothing inline).
// On the overview it subscribes to /console/events and swaps in each section the server re-renders.
"use strict";
// three.js (2 MB) is loaded only on a page that has a 3D view, and again when the feed brings one.
const load3d = () => { if (document.querySelector("canvas[data-scene]")) import("./console-3d.js"); };
load3d();
document.addEventListener("console:updated", load3d);
(() => {
  const state = document.getElementById("feed-state");
  if (!document.getElementById("engines") || !("EventSource" in window)) return;
  const feed = new EventSource("/console/events");
  for (const section of ["engines", "pending"]) {
    feed.addEventListener(section, (event) => {
      const element = document.getElementById(section);
      if (element) element.innerHTML = event.data; // HTML rendered and escaped by the server, as the page itself
      document.dispatchEvent(new Event("console:updated")); // the 3D view draws new canvases
    });
  }
  feed.addEventListener("open", () => { if (state) state.textContent = "live updates: connected"; });
  feed.addEventListener("error", () => { if (state) state.textContent = "live updates: reconnecting…"; });
})();
