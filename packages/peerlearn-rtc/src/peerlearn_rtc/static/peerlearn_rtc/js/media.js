// The local camera, microphone and screen: one MediaStream the preview and the call share.
//
// Mute and camera-off keep the tracks (track.enabled = false sends silence / black frames), so
// turning them back on needs no renegotiation and no new permission prompt. Switching a device
// gets a new track for that kind only; the caller swaps it into every connection with
// RTCRtpSender.replaceTrack.

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24 } };

export class LocalMedia {
  constructor() {
    this.stream = new MediaStream(); // what the preview shows: mic + camera (or screen)
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.audioOn = true;
    this.videoOn = true;
    this.error = null; // why the camera/mic could not be opened, for the UI
  }

  get supported() {
    return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  /** Open the camera and microphone (each on its own if the pair fails). */
  async start({ audioId = "", videoId = "" } = {}) {
    if (!this.supported) {
      this.error = "This browser cannot use a camera here (a secure https page is needed).";
      return this;
    }
    const audio = audioId ? { deviceId: { exact: audioId } } : true;
    const video = videoId ? { ...VIDEO, deviceId: { exact: videoId } } : VIDEO;
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (error) {
      this.error = describe(error);
      const parts = await Promise.allSettled([
        navigator.mediaDevices.getUserMedia({ audio }),
        navigator.mediaDevices.getUserMedia({ video }),
      ]);
      stream = new MediaStream();
      parts.forEach((part) => part.status === "fulfilled" && part.value.getTracks().forEach((t) => stream.addTrack(t)));
    }
    this.#adopt("audio", stream.getAudioTracks()[0] || null);
    this.#adopt("video", stream.getVideoTracks()[0] || null);
    if (this.mic && this.camera) this.error = null;
    return this;
  }

  #adopt(kind, track) {
    const field = kind === "audio" ? "mic" : "camera";
    const old = this[field];
    if (old) {
      if (!(kind === "video" && this.screen)) this.stream.removeTrack(old);
      old.stop();
    }
    this[field] = track;
    if (!track) return;
    track.enabled = kind === "audio" ? this.audioOn : this.videoOn;
    if (!(kind === "video" && this.screen)) this.stream.addTrack(track);
  }

  /** Cameras and microphones (labels appear once permission was given). */
  async devices() {
    if (!navigator.mediaDevices?.enumerateDevices) return { audioinput: [], videoinput: [] };
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      audioinput: all.filter((d) => d.kind === "audioinput" && d.deviceId),
      videoinput: all.filter((d) => d.kind === "videoinput" && d.deviceId),
    };
  }

  currentDevice(kind) {
    const track = kind === "audio" ? this.mic : this.camera;
    return track?.getSettings?.().deviceId || "";
  }

  /** Use another camera or microphone; returns the new track (or throws). */
  async switchDevice(kind, deviceId) {
    const constraints =
      kind === "audio"
        ? { audio: { deviceId: { exact: deviceId } } }
        : { video: { ...VIDEO, deviceId: { exact: deviceId } } };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    this.#adopt(kind, track);
    return track;
  }

  setAudio(on) {
    this.audioOn = Boolean(on);
    if (this.mic) this.mic.enabled = this.audioOn;
  }

  setVideo(on) {
    this.videoOn = Boolean(on);
    if (this.camera) this.camera.enabled = this.videoOn;
  }

  /** Pick a screen (or window / tab); `onEnded` runs when the browser's own "Stop sharing" ends it. */
  async startScreen(onEnded) {
    if (!navigator.mediaDevices?.getDisplayMedia) throw new Error("Screen sharing is not supported in this browser.");
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = stream.getVideoTracks()[0];
    if ("contentHint" in track) track.contentHint = "detail";
    this.screen = track;
    if (this.camera) this.stream.removeTrack(this.camera);
    this.stream.addTrack(track);
    track.addEventListener("ended", () => {
      if (this.screen === track) onEnded?.();
    });
    return track;
  }

  /** Back to the camera; returns the camera track (or null). */
  stopScreen() {
    const track = this.screen;
    this.screen = null;
    if (track) {
      this.stream.removeTrack(track);
      track.stop();
    }
    if (this.camera && !this.stream.getTracks().includes(this.camera)) this.stream.addTrack(this.camera);
    return this.camera;
  }

  /** What goes out on the connections: the mic, and the screen while sharing else the camera. */
  outbound() {
    return { audio: this.mic, video: this.screen || this.camera, stream: this.stream };
  }

  stop() {
    [this.mic, this.camera, this.screen].forEach((t) => t && t.stop());
  }
}

function describe(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") return "Camera and microphone access was blocked. Allow it in the browser's address bar to be seen and heard.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No camera or microphone was found.";
  if (name === "NotReadableError") return "The camera or microphone is in use by another app.";
  return "The camera or microphone could not be opened.";
}
