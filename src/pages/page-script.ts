// The one script of Signet's small pages, inline and allowed by its hash (no nonce to make, no
// file to fetch): times in the reader's own zone and words ("in 3 days (8 Dec 2026, 10:06)"),
// a folder page's filter box, and a password form that keeps the link's fragment (an encrypted
// share's key) for the page it leads back to. Without it the pages still read: times in UTC, every file.
// test/pages.test.ts checks the hash against the text.

export const PAGE_SCRIPT = `(() => {
  const rel = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  const abs = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  const spans = [['year', 31536e6], ['month', 2592e6], ['week', 6048e5], ['day', 864e5], ['hour', 36e5], ['minute', 6e4], ['second', 1e3]]
  for (const when of document.querySelectorAll('.when')) {
    const time = when.querySelector('time')
    const zoned = when.querySelector('.zoned')
    if (!time || !zoned) continue
    const at = new Date(time.dateTime)
    const delta = at.getTime() - Date.now()
    const [unit, size] = spans.find(([, span]) => Math.abs(delta) >= span) || spans[6]
    time.textContent = rel.format(Math.round(delta / size), unit)
    zoned.textContent = '(' + abs.format(at) + ')'
  }
  for (const hidden of document.querySelectorAll('[data-needs-script]')) hidden.hidden = false
  if (location.hash) for (const form of document.querySelectorAll('form[data-keep-fragment]')) form.action = form.action.split('#')[0] + location.hash
  for (const box of document.querySelectorAll('input[data-filter]')) {
    const rows = [...document.querySelectorAll(box.dataset.filter)]
    box.addEventListener('input', () => {
      const words = box.value.trim().toLowerCase()
      for (const row of rows) row.hidden = !(row.dataset.name || '').toLowerCase().includes(words)
    })
  }
})()`

/** `'sha256-…'` of PAGE_SCRIPT, for the pages' CSP. */
export const PAGE_SCRIPT_HASH = "'sha256-AG1IdfCohq6gwwOq9rMdd9yG0rYPngZ/D0wqtO+S3Oo='"
