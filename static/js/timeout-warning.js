// The GOV.UK timeout-warning pattern for a respondent's draft (WCAG 2.2.1, Timing adjustable).
// The page already says in words how long the browser keeps answers without activity; this
// opens a dialog a couple of minutes before that, whose button tells the server the person
// is still here. When the time has run out, the page is reloaded, and the server says what
// was cleared.

function inWords (seconds) {
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  const parts = []
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? '' : 's'}`)
  if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? '' : 's'}`)
  return parts.join(' ')
}

function watch (dialog) {
  const warningSeconds = Number(dialog.dataset.warningSeconds)
  const countdown = dialog.querySelector('.boundary-timeout-warning__countdown')
  const form = dialog.querySelector('form')
  let deadline = 0
  let timer = 0

  function tick () {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    if (left === 0) {
      window.location.replace(window.location.href)
      return
    }
    if (left <= warningSeconds && !dialog.open) {
      countdown.textContent = inWords(left)
      dialog.showModal() // moves focus into the dialog, so it is announced
    } else if (dialog.open && left % 15 === 0) {
      countdown.textContent = inWords(left) // often enough to be useful, not chatty
    }
    timer = window.setTimeout(tick, 1000)
  }

  function start (secondsLeft) {
    window.clearTimeout(timer)
    deadline = Date.now() + secondsLeft * 1000
    tick()
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const response = await fetch(form.action, {
      method: 'POST',
      body: new FormData(form),
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (response.status !== 204) {
      window.location.replace(window.location.href)
      return
    }
    dialog.close()
    start(Number(dialog.dataset.idleLimitSeconds))
  })
  // Escape would close the dialog without telling the server: take it as "keep my answers".
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    form.requestSubmit()
  })

  start(Number(dialog.dataset.secondsLeft))
}

export function initTimeoutWarning () {
  for (const dialog of document.querySelectorAll('[data-module="boundary-timeout-warning"]')) {
    if (typeof dialog.showModal === 'function') watch(dialog)
  }
}
