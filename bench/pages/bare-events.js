// The baseline page of the UI benchmarks: the same WebSocket and the same events as the app,
// but it only counts them. `window.bare` reports when the first event arrived and when the
// expected number was counted and painted.
const params = new URLSearchParams(location.search);
const expected = Number(params.get('expect') ?? '0');
const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(params.get('token') ?? '')}`);
const counter = document.getElementById('count');
window.bare = { ready: false, first: 0, done: 0, count: 0 };
socket.onopen = () => socket.send(JSON.stringify({ id: 1, method: 'events.subscribe', args: { afterSeq: Number(params.get('after') ?? '0') } }));
socket.onmessage = (message) => {
  const data = JSON.parse(message.data);
  if (data.kind === 'response') {
    window.bare.ready = true;
    return;
  }
  if (data.kind !== 'event') return;
  if (window.bare.count === 0) window.bare.first = performance.now();
  window.bare.count += 1;
  if (window.bare.count === expected) {
    counter.textContent = String(window.bare.count);
    requestAnimationFrame(() => {
      window.bare.done = performance.now();
    });
  }
};
