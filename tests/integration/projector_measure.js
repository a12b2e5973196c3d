// Everything the brief of issue 17 asks of a room screen, measured in the page: returns what
// is wrong, one line each (an empty list is a pass). Used by test_projector_screens.py.
() => {
  const vw = window.innerWidth, vh = window.innerHeight
  const minimum = 28 * vh / 1080 - 0.05
  const edgeX = vw * 0.05 - 0.5, edgeY = vh * 0.05 - 0.5
  const wrong = []
  const doc = document.scrollingElement
  if (doc.scrollWidth > vw || doc.scrollHeight > vh) {
    wrong.push(`the page scrolls: ${doc.scrollWidth}x${doc.scrollHeight} in ${vw}x${vh}`)
  }
  const hidden = (el) => {
    if (el.closest('.govuk-visually-hidden, .govuk-skip-link, noscript')) return true
    const style = getComputedStyle(el)
    return style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0'
  }
  const name = (el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
    ? '.' + String(el.className).trim().split(/\s+/).join('.') : '')
  const outside = (r) => r.left < edgeX || r.top < edgeY || r.right > vw - edgeX || r.bottom > vh - edgeY
  const main = document.querySelector('#main-content')
  for (const el of [main, ...main.querySelectorAll('*')]) {
    const r = el.getBoundingClientRect()
    if ((r.width === 0 && r.height === 0) || hidden(el)) continue
    if (outside(r)) {
      wrong.push(`${name(el)} outside the safe margin: ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}`)
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  let texts = 0
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const words = node.textContent.trim()
    const parent = node.parentElement
    if (!words || !parent || hidden(parent) || parent.closest('script, style, title, desc')) continue
    const range = document.createRange()
    range.selectNodeContents(node)
    const box = range.getBoundingClientRect()
    if (box.width === 0 && box.height === 0) continue
    texts += 1
    let size = parseFloat(getComputedStyle(parent).fontSize)
    if (parent instanceof SVGElement) {
      // An SVG's font-size is in its own units: what the eye sees is that times the scale.
      const ctm = parent.getScreenCTM()
      size *= Math.hypot(ctm.a, ctm.b)
    }
    if (size < minimum) wrong.push(`text too small (${size.toFixed(1)} px < ${minimum.toFixed(1)}): "${words.slice(0, 40)}"`)
    if (outside(box)) wrong.push(`text outside the safe margin: "${words.slice(0, 40)}"`)
  }
  if (texts === 0) wrong.push('no visible text at all')
  return wrong
}
