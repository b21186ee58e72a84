// The room modules' two DOM helpers: build an element, play a stream in a <video>.

/** A new `<tag class="className">text</tag>` (text set as text, never as markup). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Show `stream` in `video` and play it; `onRefused` runs when the browser refuses to autoplay. */
export function attach(video, stream, onRefused) {
  if (video.srcObject !== stream) video.srcObject = stream;
  const play = video.play();
  if (play) play.catch(() => onRefused?.());
}
