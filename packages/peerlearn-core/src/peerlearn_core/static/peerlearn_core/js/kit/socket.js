// openSocket(): a JSON WebSocket to this host that reconnects with exponential backoff
// (0.5 s doubling to 10 s, ±20 % jitter). It stays closed after close() and after the server
// refuses with 4401 (not authenticated) or 4403 (not allowed).

export const NO_RECONNECT_CODES = [4401, 4403];
const BASE_DELAY = 500;
const MAX_DELAY = 10000;
const STABLE_MS = 3000; // a connection open this long resets the backoff
const MAX_QUEUE = 100;

/** ws(s)://host/path for a path on this site (absolute ws:// URLs pass through). */
export function socketUrl(path) {
  if (/^wss?:\/\//.test(path)) return path;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path.startsWith("/") ? "" : "/"}${path}`;
}

/** Delay before reconnect attempt number `attempt` (0-based), in ms. */
export function backoffDelay(attempt) {
  const base = Math.min(MAX_DELAY, BASE_DELAY * 2 ** attempt);
  return Math.min(MAX_DELAY, Math.round(base * (0.8 + Math.random() * 0.4)));
}

/**
 * @param {string} path e.g. "/ws/notifications/"
 * @param {{onMessage?: (data:any, event:MessageEvent)=>void, onOpen?: (event:Event, info:{reconnected:boolean})=>void,
 *          onClose?: (event:CloseEvent, info:{willReconnect:boolean, delay:number|null})=>void,
 *          onError?: (event:Event)=>void, protocols?: string|string[], noReconnectCodes?: number[]}} [handlers]
 * @returns {{send(obj:any):boolean, close(code?:number, reason?:string):void, readonly readyState:number,
 *            readonly socket:WebSocket|null, readonly attempts:number, reconnectNow():void}}
 */
export function openSocket(path, { onMessage, onOpen, onClose, onError, protocols, noReconnectCodes = NO_RECONNECT_CODES } = {}) {
  const url = socketUrl(path);
  let ws = null;
  let attempts = 0;
  let everOpened = false;
  let closedByUser = false;
  let retryTimer = null;
  let stableTimer = null;
  const queue = [];

  const connect = () => {
    retryTimer = null;
    ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
    const socket = ws;
    socket.addEventListener("open", (event) => {
      if (socket !== ws) return;
      const reconnected = everOpened;
      everOpened = true;
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => {
        attempts = 0;
      }, STABLE_MS);
      while (queue.length && socket.readyState === WebSocket.OPEN) socket.send(queue.shift());
      if (onOpen) onOpen(event, { reconnected });
    });
    socket.addEventListener("message", (event) => {
      if (socket !== ws || !onMessage) return;
      let data = event.data;
      if (typeof data === "string") {
        try {
          data = JSON.parse(data);
        } catch {
          /* not JSON: hand over the text */
        }
      }
      onMessage(data, event);
    });
    socket.addEventListener("error", (event) => {
      if (socket === ws && onError) onError(event);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== ws) return;
      clearTimeout(stableTimer);
      const willReconnect = !closedByUser && !noReconnectCodes.includes(event.code);
      const delay = willReconnect ? backoffDelay(attempts) : null;
      if (willReconnect) {
        attempts += 1;
        retryTimer = setTimeout(connect, delay);
      }
      if (onClose) onClose(event, { willReconnect, delay });
    });
  };

  const onOnline = () => {
    if (retryTimer) {
      clearTimeout(retryTimer);
      connect();
    }
  };
  window.addEventListener("online", onOnline);

  connect();

  return {
    /** Send an object as JSON (strings as-is). Queued while (re)connecting. */
    send(obj) {
      const text = typeof obj === "string" ? obj : JSON.stringify(obj);
      if (ws && ws.readyState === WebSocket.OPEN) {
        ws.send(text);
        return true;
      }
      if (!closedByUser) {
        queue.push(text);
        if (queue.length > MAX_QUEUE) queue.shift();
      }
      return false;
    },
    /** Close for good: no reconnect. */
    close(code = 1000, reason = "") {
      closedByUser = true;
      clearTimeout(retryTimer);
      clearTimeout(stableTimer);
      retryTimer = null;
      queue.length = 0;
      window.removeEventListener("online", onOnline);
      if (ws && ws.readyState <= WebSocket.OPEN) ws.close(code, reason);
    },
    /** Skip the current backoff wait. */
    reconnectNow() {
      onOnline();
    },
    get readyState() {
      return ws ? ws.readyState : WebSocket.CLOSED;
    },
    get socket() {
      return ws;
    },
    get attempts() {
      return attempts;
    },
  };
}
