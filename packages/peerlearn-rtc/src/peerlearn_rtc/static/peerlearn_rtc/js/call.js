// Into and out of the call: the Mesh of peer connections (mesh.js) wired to the tiles, whom this
// page connects to (every ready peer in a mesh; in a lecture learners connect to the mentor only),
// and the switch between the pre-join screen and the call view.
import { Mesh } from "./mesh.js";

export function createCall(room) {
  const { ui, state, kit, root, config, isMentor, media } = room;
  const { tiles } = room;

  /** Whom this page connects to: every ready peer in a mesh; learners only the mentor in a lecture. */
  function eligible(person) {
    if (!person || person.peer_id === state.peerId || !person.ready) return false;
    if (state.mode !== "lecture") return true;
    return isMentor ? person.role === "learner" : person.role === "mentor";
  }

  async function refreshIceServers() {
    const data = await kit.api(config.iceServersUrl, { quiet: true });
    return data && Array.isArray(data.ice_servers) ? data.ice_servers : null;
  }

  function localState() {
    return {
      audio: media.audioOn && Boolean(media.mic),
      video: media.videoOn && Boolean(media.camera || media.screen),
      sharing: state.sharing,
    };
  }

  function newMesh() {
    room.mesh = new Mesh({
      selfId: state.peerId,
      isMentor,
      mode: () => state.mode,
      send: room.signaling.send,
      outbound: () => media.outbound(),
      localState,
      iceServers: config.iceServers,
      refreshIceServers,
      on: {
        track: (peer) => {
          if (tiles.showsRemote()) tiles.playRemote(tiles.ensureRemote(peer.id), peer.stream);
        },
        state: (peer) => {
          if (tiles.showsRemote()) tiles.ensureRemote(peer.id).dataset.state = peer.pc.connectionState;
          if (peer.pc.connectionState === "failed") {
            kit.toast(`Connection to ${room.people.nameOf(peer.id)} failed — retrying`, { kind: "error" });
          }
        },
        remoteState: (peer, remote) => {
          const tile = tiles.tileOf(peer.id);
          if (tile) tiles.paint(tile, remote);
        },
        closed: (peerId) => tiles.remove(peerId),
      },
    });
    return room.mesh;
  }

  /** Forget every connection (a fresh peer id: the others dropped our old ones). */
  function dropMesh() {
    room.mesh?.closeAll();
    room.mesh = null;
  }

  /** A person's ready state changed while we are in the call: connect to them or let them go. */
  function follow(person) {
    if (!state.inCall || !room.mesh) return;
    if (eligible(person)) room.mesh.connect(person.peer_id);
    else room.mesh.close(person.peer_id);
  }

  function enter() {
    if (state.inCall || !state.peerId) return;
    state.inCall = true;
    root.dataset.phase = "call";
    ui.prejoin.hidden = true;
    ui.call.hidden = false;
    if (!room.mesh || room.mesh.selfId !== state.peerId) {
      room.mesh?.closeAll();
      newMesh();
    }
    tiles.reset();
    room.prejoin.paintPreview();
    room.controls.paintToggles();
    room.controls.paintCallControls();
    state.people.forEach((person) => {
      if (eligible(person)) room.mesh.connect(person.peer_id);
    });
    room.people.render();
  }

  /** Back to the pre-join screen (the socket dropped or was replaced by a fresh peer). */
  function leave() {
    state.inCall = false;
    root.dataset.phase = "prejoin";
    room.mesh?.closeAll();
    tiles.clear();
    ui.call.hidden = true;
    ui.prejoin.hidden = false;
    if (state.sharing) room.controls.stopSharing({ quiet: true });
    room.controls.paintToggles();
  }

  return { enter, leave, follow, dropMesh };
}
