// The console's only script (served from the assembly; the CSP allows no other and nothing inline).
// A live page names its feed and its live sections on #feed-state (data-feed, data-sections): it
// subscribes to that server-sent-events feed and swaps in each section the server re-renders (the
// overview's engines and pending approvals, the intent timeline, an intent's page).
"use strict";
// three.js (2 MB) is loaded only on a page that has a 3D view, and again when the feed brings one.
const load3d = () => { if (document.querySelector("canvas[data-scene]")) import("./console-3d.js"); };
load3d();
document.addEventListener("console:updated", load3d);
// The feed is opened once the page has loaded: a stream opened during loading can hold the page's
// load event (the tab's spinner) for as long as it stays open in some browsers.
const whenLoaded = (start) => { if (document.readyState === "complete") start(); else window.addEventListener("load", start, { once: true }); };
whenLoaded(() => {
  const state = document.getElementById("feed-state");
  if (!state || !state.dataset.feed || !("EventSource" in window)) return;
  const feed = new EventSource(state.dataset.feed);
  for (const section of (state.dataset.sections || "").split(" ").filter(Boolean)) {
    feed.addEventListener(section, (event) => {
      const element = document.getElementById(section);
      if (element) element.innerHTML = event.data; // HTML rendered and escaped by the server, as the page itself
      document.dispatchEvent(new Event("console:updated")); // the 3D view draws new canvases
    });
  }
  feed.addEventListener("open", () => { state.textContent = "live updates: connected"; });
  feed.addEventListener("error", () => { state.textContent = "live updates: reconnecting…"; });
});
