// Keeps a workshop screen up to date without reloading the page.
//
// Every few seconds it asks for the screen's changing part with the ETag of the copy it
// shows; the server answers 304 when nothing changed, so a quiet room costs almost nothing
// and no connection is held open between polls (docs/workshops.md). A hidden tab (a phone in
// a pocket) does not ask at all until it is shown again. Pages work without this file: the
// console's buttons are plain forms, and the projector refreshes itself.

const region = document.querySelector('[data-live-url]')

if (region) {
  const url = region.dataset.liveUrl
  const every = Math.max(1, Number(region.dataset.pollSeconds) || 1.5) * 1000
  let tag = region.dataset.liveTag ? `"${region.dataset.liveTag}"` : null
  let timer = null

  const refresh = async () => {
    window.clearTimeout(timer)
    if (!document.hidden) {
      try {
        const headers = tag ? { 'If-None-Match': tag } : {}
        const response = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin' })
        // A signed-out facilitator is sent to the sign-in page: never put that in the screen.
        const fragment = response.status === 200 && !response.redirected &&
          (response.headers.get('Content-Type') || '').startsWith('text/html')
        if (fragment) {
          region.innerHTML = await response.text()
          tag = response.headers.get('ETag')
        }
      } catch (error) {
        // A dropped connection: try again at the next tick.
      }
    }
    timer = window.setTimeout(refresh, every)
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh()
  })
  timer = window.setTimeout(refresh, every)
}
