// The call's video grid: one tile per person (the local one first, then the mentor, then the
// others in arrival order), each with its video, a camera-off card, a mute mark, the mentor and
// screen-share labels, and "Click to hear" when the browser refused to autoplay with sound.
import { initials } from "../../peerlearn_core/js/format.js";
import { icon } from "../../peerlearn_core/js/kit/icon.js";
import { attach, el } from "./dom.js";

const MIC_OFF = ["M12 3a3 3 0 00-3 3v6a3 3 0 006 0V6a3 3 0 00-3-3z", "M19 11a7 7 0 01-14 0M12 18v3M4 4l16 16"];

/** A small mark on a tile (data-<name>), shown while its data-on is "true". */
function flag(className, text, name, tag = "span") {
  const node = el(tag, className, text);
  node.dataset[name] = "";
  node.dataset.on = "false";
  return node;
}

function caption({ self, name, role }) {
  const label = el("span", "inline-flex min-w-0 max-w-full items-center gap-1.5 rounded-md bg-slate-900/70 px-2 py-1 text-xs font-medium text-white backdrop-blur");
  const micOff = flag("hidden text-rose-400 data-[on=true]:inline-flex", undefined, "micOff");
  micOff.setAttribute("role", "img");
  micOff.setAttribute("aria-label", "Muted");
  micOff.appendChild(icon(MIC_OFF, { className: "h-3.5 w-3.5" }));
  const nameEl = el("span", "truncate", self ? `${name} (you)` : name);
  nameEl.dataset.tileName = "";
  label.append(micOff, nameEl);
  if (role === "mentor") label.appendChild(el("span", "rounded bg-indigo-500/80 px-1 text-[10px] uppercase tracking-wide", "Mentor"));
  label.appendChild(flag("hidden rounded bg-emerald-500/90 px-1 text-[10px] uppercase tracking-wide data-[on=true]:inline", "Screen", "sharing"));
  const figcaption = el("figcaption", "absolute inset-x-2 bottom-2 flex items-center gap-1.5");
  figcaption.appendChild(label);
  return figcaption;
}

function makeTile(peerId, { self = false, name, role }) {
  const tile = el("figure", "relative aspect-video min-w-0 overflow-hidden rounded-xl bg-slate-900 ring-1 ring-slate-800");
  tile.dataset.tile = peerId;
  tile.dataset.testid = self ? "tile-self" : `tile-${peerId}`;
  if (!self) tile.dataset.remote = "";
  tile.dataset.name = name;
  const video = el("video", `h-full w-full bg-slate-900 object-cover ${self ? "-scale-x-100" : ""}`);
  video.autoplay = true;
  video.playsInline = true;
  video.muted = self;
  video.dataset.testid = self ? "video-self" : `video-${peerId}`;
  const off = el("div", "absolute inset-0 hidden flex-col items-center justify-center gap-2 bg-slate-800 text-slate-300 data-[off=true]:flex");
  off.dataset.videoOff = "false";
  off.dataset.off = "false";
  const badge = el("span", "inline-flex h-16 w-16 items-center justify-center rounded-full bg-slate-600 text-xl font-semibold text-white", initials(name));
  badge.setAttribute("aria-hidden", "true");
  off.append(badge, el("span", "text-xs", "Camera off"));
  tile.append(video, off, caption({ self, name, role }));
  if (!self) {
    const unmute = flag("absolute right-2 top-2 hidden rounded-md bg-slate-900/80 px-2 py-1 text-xs font-semibold text-white data-[on=true]:block", "Click to hear", "unmute", "button");
    unmute.type = "button";
    unmute.addEventListener("click", () => {
      video.muted = false;
      video.play().catch(() => {});
      unmute.dataset.on = "false";
    });
    tile.appendChild(unmute);
  }
  return tile;
}

export function createTiles(room) {
  const { ui, state, isMentor, me, media } = room;

  function tileOf(peerId) {
    return ui.tiles.querySelector(`[data-tile="${CSS.escape(peerId)}"]`);
  }

  function layout() {
    const count = Array.from(ui.tiles.children).filter((tile) => !tile.hidden).length;
    ui.tiles.dataset.count = String(count);
    ui.tiles.dataset.many = String(count > 2);
  }

  /** Mute / camera / screen state on a tile ({audio, video, sharing}). */
  function paint(tile, { audio, video, sharing }) {
    tile.dataset.audio = audio ? "on" : "off";
    tile.dataset.video = video ? "on" : "off";
    tile.querySelector("[data-mic-off]").dataset.on = String(!audio);
    tile.querySelector("[data-video-off]").dataset.off = String(!video);
    tile.querySelector("[data-sharing]").dataset.on = String(Boolean(sharing));
    if (tile.dataset.tile === "self") tile.querySelector("video").classList.toggle("-scale-x-100", !sharing);
  }

  /** An empty grid with the local tile (hidden for a lecture's learners, who only watch). */
  function reset() {
    ui.tiles.replaceChildren();
    const self = makeTile("self", { self: true, name: me.name, role: me.role });
    ui.tiles.appendChild(self);
    if (state.mode === "lecture" && !isMentor) self.hidden = true;
    attach(self.querySelector("video"), media.stream);
    layout();
  }

  function clear() {
    ui.tiles.replaceChildren();
  }

  // In a lecture the mentor receives nothing: learners are in the people list, not in tiles.
  const showsRemote = () => !(state.mode === "lecture" && isMentor);

  function ensureRemote(peerId) {
    let tile = tileOf(peerId);
    if (tile) return tile;
    const person = state.people.get(peerId) || { name: "Guest", role: "learner" };
    tile = makeTile(peerId, { name: person.name, role: person.role });
    tile.dataset.state = "new";
    // The mentor first, then the others in arrival order; the local tile stays first.
    const self = tileOf("self");
    if (person.role === "mentor" && self) self.after(tile);
    else if (person.role === "mentor") ui.tiles.prepend(tile);
    else ui.tiles.appendChild(tile);
    layout();
    return tile;
  }

  function playRemote(tile, stream) {
    const video = tile.querySelector("video");
    attach(video, stream, () => {
      // Autoplay with sound refused (no gesture on this page yet): play muted, offer a click.
      video.muted = true;
      video.play().catch(() => {});
      tile.querySelector("[data-unmute]").dataset.on = "true";
    });
  }

  function remove(peerId) {
    const tile = tileOf(peerId);
    if (!tile) return;
    tile.querySelector("video").srcObject = null;
    tile.remove();
    layout();
  }

  return { tileOf, paint, reset, clear, showsRemote, ensureRemote, playRemote, remove };
}
