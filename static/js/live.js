// Keeps a workshop screen up to date without reloading the page.
//
// Every few seconds it asks for the screen's changing part with the ETag of the copy it
// shows; the server answers 304 when nothing changed, so a quiet room costs almost nothing
// and no connection is held open between polls (docs/workshops.md). Pages work without
// this file: the console's buttons are plain forms, and the projector refreshes itself.

const region = document.querySelector('[data-live-url]')

if (region) {
  const url = region.dataset.liveUrl
  const every = Math.max(1, Number(region.dataset.pollSeconds) || 1.5) * 1000
  let tag = region.dataset.liveTag || null

  const refresh = async () => {
    try {
      const headers = tag ? { 'If-None-Match': tag } : {}
      const response = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin' })
      if (response.status === 200) {
        const html = await response.text()
        tag = response.headers.get('ETag')
        region.innerHTML = html
        region.dataset.liveVersion = tag || ''
      }
    } catch (error) {
      // A dropped connection: try again at the next tick.
    } finally {
      window.setTimeout(refresh, every)
    }
  }
  window.setTimeout(refresh, every)
}
