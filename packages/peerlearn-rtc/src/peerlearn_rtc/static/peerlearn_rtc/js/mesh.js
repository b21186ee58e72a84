// The call's peer connections: one RTCPeerConnection per other peer (a full mesh), or in lecture
// mode learner <-> mentor only, with the mentor the only one sending media.
//
// Negotiation is the "perfect negotiation" pattern: either side may renegotiate at any time and a
// collision is settled by politeness (polite = my peer id > theirs). The first offer is decided
// up front so it never collides: in a mesh the side with the smaller peer id adds its tracks and
// offers, the other side adds its tracks when that offer arrives; in lecture mode the mentor
// offers (send-only) and the learner answers receive-only.
//
// Mute / camera / screen state travels peer to peer over a negotiated RTCDataChannel "state"
// (id 0 on both sides), so the signaling server never sees it.

const STATE_CHANNEL = { negotiated: true, id: 0, ordered: true };
const DISCONNECTED_GRACE_MS = 5000;

export class Mesh {
  /**
   * @param {object} options
   * @param {string} options.selfId this socket's peer id
   * @param {boolean} options.isMentor
   * @param {() => "mesh"|"lecture"} options.mode
   * @param {(message: object) => void} options.send signaling out (offer/answer/ice)
   * @param {() => {audio: MediaStreamTrack|null, video: MediaStreamTrack|null, stream: MediaStream}} options.outbound
   * @param {() => object} options.localState what the data channel announces ({audio, video, sharing})
   * @param {RTCIceServer[]} options.iceServers
   * @param {() => Promise<RTCIceServer[]|null>} options.refreshIceServers fresh TURN credentials
   * @param {object} options.on callbacks: track(peer), state(peer), closed(peerId), remoteState(peer, state)
   */
  constructor({ selfId, isMentor, mode, send, outbound, localState, iceServers, refreshIceServers, on }) {
    this.selfId = selfId;
    this.isMentor = isMentor;
    this.mode = mode;
    this.send = send;
    this.outbound = outbound;
    this.localState = localState;
    this.iceServers = iceServers || [];
    this.refreshIceServers = refreshIceServers;
    this.on = on;
    this.peers = new Map(); // peer id -> peer record
    this.pcs = new Map(); // peer id -> RTCPeerConnection (read by tests and the UI)
  }

  /** Do we send media to the other side? Everyone in a mesh; only the mentor in a lecture. */
  sends() {
    return this.mode() !== "lecture" || this.isMentor;
  }

  has(peerId) {
    return this.peers.has(peerId);
  }

  /** Make sure there is a connection to `peerId`; the designated side starts negotiating. */
  connect(peerId) {
    if (!peerId || peerId === this.selfId) return null;
    const existing = this.peers.get(peerId);
    if (existing) return existing;
    const lecture = this.mode() === "lecture";
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer = {
      id: peerId,
      pc,
      polite: this.selfId > peerId,
      offerer: lecture ? this.isMentor : this.selfId < peerId,
      makingOffer: false,
      ignoreOffer: false,
      settingRemoteAnswer: false,
      attached: false,
      queue: Promise.resolve(),
      channel: null,
      transceivers: {},
      stream: new MediaStream(),
      remote: { audio: true, video: true, sharing: false },
      disconnectTimer: null,
      restarting: false,
      restarts: 0,
    };
    this.peers.set(peerId, peer);
    this.pcs.set(peerId, pc);

    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate && this.peers.get(peerId) === peer) {
        this.send({ type: "ice", to: peerId, candidate: candidate.toJSON() });
      }
    });
    pc.addEventListener("negotiationneeded", () => this.#offer(peer));
    pc.addEventListener("track", ({ track }) => {
      peer.stream.getTracks()
        .filter((t) => t.kind === track.kind && t !== track)
        .forEach((t) => peer.stream.removeTrack(t));
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      this.on.track?.(peer, track);
    });
    pc.addEventListener("connectionstatechange", () => this.#connectionChanged(peer));

    if (peer.offerer) {
      this.#attachAsOfferer(peer);
      this.#openChannel(peer);
    }
    this.on.state?.(peer);
    return peer;
  }

  /** An offer, answer or ICE candidate from the signaling socket. */
  handle(message) {
    const from = message.from;
    if (!from || from === this.selfId) return;
    let peer = this.peers.get(from);
    if (!peer) {
      if (message.type !== "offer") return; // a late answer/candidate of a closed connection
      peer = this.connect(from);
      if (!peer) return;
    }
    // One message at a time per connection, in arrival order (a candidate must not overtake its offer).
    peer.queue = peer.queue
      .then(() => (this.peers.get(from) === peer ? this.#handle(peer, message) : null))
      .catch((error) => console.warn(`[room] signaling with ${from} failed`, error));
  }

  async #handle(peer, message) {
    const { pc } = peer;
    if (message.type === "ice") {
      if (!message.candidate) return;
      try {
        await pc.addIceCandidate(message.candidate);
      } catch (error) {
        if (!peer.ignoreOffer) throw error;
      }
      return;
    }
    const description = message.sdp;
    if (!description || typeof description !== "object" || !description.type) return;
    const readyForOffer =
      !peer.makingOffer && (pc.signalingState === "stable" || peer.settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    if (description.type === "answer" && pc.signalingState !== "have-local-offer") return;
    peer.settingRemoteAnswer = description.type === "answer";
    try {
      await pc.setRemoteDescription(description);
    } finally {
      peer.settingRemoteAnswer = false;
    }
    if (description.type !== "offer") return;
    if (!peer.attached) {
      await this.#attachAsAnswerer(peer);
      this.#openChannel(peer);
    }
    await pc.setLocalDescription();
    this.send({ type: "answer", to: peer.id, sdp: pc.localDescription.toJSON() });
  }

  async #offer(peer) {
    const { pc } = peer;
    // The designated offerer opens; the other side only renegotiates an established connection
    // (e.g. an ICE restart), so the first offer never collides.
    if (!peer.offerer && !pc.currentRemoteDescription) return;
    if (pc.signalingState === "closed") return;
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      if (this.peers.get(peer.id) !== peer) return;
      this.send({ type: "offer", to: peer.id, sdp: pc.localDescription.toJSON() });
    } catch (error) {
      console.warn(`[room] offer to ${peer.id} failed`, error);
    } finally {
      peer.makingOffer = false;
    }
  }

  #direction() {
    if (!this.sends()) return "recvonly";
    return this.mode() === "lecture" ? "sendonly" : "sendrecv";
  }

  #attachAsOfferer(peer) {
    peer.attached = true;
    const out = this.outbound();
    const direction = this.#direction();
    for (const kind of ["audio", "video"]) {
      const track = direction === "recvonly" ? null : out[kind];
      const init = { direction };
      if (track) init.streams = [out.stream];
      peer.transceivers[kind] = peer.pc.addTransceiver(track || kind, init);
    }
  }

  async #attachAsAnswerer(peer) {
    peer.attached = true;
    const out = this.outbound();
    const direction = this.#direction();
    for (const kind of ["audio", "video"]) {
      const transceiver = peer.pc
        .getTransceivers()
        .find((t) => t.receiver.track.kind === kind && !Object.values(peer.transceivers).includes(t));
      if (!transceiver) continue;
      peer.transceivers[kind] = transceiver;
      transceiver.direction = direction;
      if (direction === "recvonly") continue;
      const track = out[kind];
      if (track) {
        await transceiver.sender.replaceTrack(track);
        transceiver.sender.setStreams?.(out.stream);
      }
    }
  }

  #openChannel(peer) {
    const channel = peer.pc.createDataChannel("state", STATE_CHANNEL);
    peer.channel = channel;
    channel.addEventListener("open", () => this.#sendState(peer));
    channel.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!data || data.type !== "state") return;
      peer.remote = {
        audio: data.audio !== false,
        video: data.video !== false,
        sharing: Boolean(data.sharing),
      };
      this.on.remoteState?.(peer, peer.remote);
    });
  }

  #sendState(peer) {
    if (peer.channel?.readyState !== "open") return;
    const state = this.sends() ? this.localState() : { audio: false, video: false, sharing: false };
    peer.channel.send(JSON.stringify({ type: "state", ...state }));
  }

  /** Tell every connected peer our mute / camera / screen state. */
  broadcastState() {
    this.peers.forEach((peer) => this.#sendState(peer));
  }

  /** Swap the outgoing track of `kind` on every connection (no renegotiation). */
  async replaceTrack(kind, track) {
    if (!this.sends()) return;
    const jobs = [];
    this.peers.forEach((peer) => {
      const sender = peer.transceivers[kind]?.sender;
      if (sender && sender.track !== track) jobs.push(sender.replaceTrack(track).catch((e) => console.warn(e)));
    });
    await Promise.all(jobs);
  }

  #connectionChanged(peer) {
    const { pc } = peer;
    clearTimeout(peer.disconnectTimer);
    if (pc.connectionState === "connected") peer.restarts = 0;
    if (pc.connectionState === "failed") this.restart(peer);
    if (pc.connectionState === "disconnected") {
      // Often recovers by itself; if not, restart ICE as for "failed".
      peer.disconnectTimer = setTimeout(() => {
        if (pc.connectionState === "disconnected") this.restart(peer);
      }, DISCONNECTED_GRACE_MS);
    }
    this.on.state?.(peer);
  }

  /** ICE restart with fresh ICE servers (TURN credentials are short-lived). */
  async restart(peer) {
    if (peer.restarting || this.peers.get(peer.id) !== peer) return;
    peer.restarting = true;
    peer.restarts += 1;
    try {
      const servers = await this.refreshIceServers?.();
      if (Array.isArray(servers)) {
        this.iceServers = servers;
        peer.pc.setConfiguration({ ...peer.pc.getConfiguration(), iceServers: servers });
      }
    } catch (error) {
      console.warn("[room] could not refresh ICE servers", error);
    }
    if (this.peers.get(peer.id) === peer && peer.pc.signalingState !== "closed") {
      peer.pc.restartIce(); // fires negotiationneeded: an offer with new ICE credentials
    }
    peer.restarting = false;
  }

  close(peerId) {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    this.pcs.delete(peerId);
    clearTimeout(peer.disconnectTimer);
    try {
      peer.channel?.close();
    } catch {
      /* already closed */
    }
    peer.pc.close();
    peer.stream.getTracks().forEach((t) => peer.stream.removeTrack(t));
    this.on.closed?.(peerId);
  }

  closeAll() {
    Array.from(this.peers.keys()).forEach((id) => this.close(id));
  }
}
