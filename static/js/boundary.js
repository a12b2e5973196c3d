// Progressive enhancement only: every page works without this file.
import { initAll } from '../dist/govuk-frontend.min.js'
import { initTimeoutWarning } from './timeout-warning.js'

initAll()
initTimeoutWarning()
