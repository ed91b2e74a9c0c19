// Accessibility repairs for Scalar's reference on /docs, applied as Scalar renders: its code
// blocks' copy buttons have no accessible name (and may point aria-controls at nothing), its
// request client's key/value editors are comboboxes without aria-expanded, its code viewers are
// textboxes without a name, and a popover button combines role="none" with aria-label.
// Each repair only adds what ARIA requires. One more removal: the sidebar's "Powered by Scalar"
// link, which no configuration turns off (the page points nowhere but this Signet).

function repair(root: ParentNode): void {
  for (const vendor of root.querySelectorAll('a[href^="https://www.scalar.com"]')) vendor.remove()
  for (const button of root.querySelectorAll<HTMLButtonElement>('button')) {
    const labelled = button.hasAttribute('aria-label') || button.hasAttribute('aria-labelledby')
    if (!labelled && button.className.toString().includes('copy-button')) {
      button.setAttribute('aria-label', 'Copy')
    }
    const controls = button.getAttribute('aria-controls')
    if (controls && !controls.split(/\s+/).every((id) => document.getElementById(id))) {
      button.removeAttribute('aria-controls')
    }
    if (button.getAttribute('role') === 'none' && button.hasAttribute('aria-label')) {
      button.removeAttribute('role')
    }
  }
  for (const box of root.querySelectorAll('[role="combobox"]:not([aria-expanded])')) {
    box.setAttribute('aria-expanded', 'false')
  }
  for (const editor of root.querySelectorAll(
    '.cm-content[role="textbox"]:not([aria-label]):not([aria-labelledby])',
  )) {
    editor.setAttribute('aria-label', 'Code')
  }
}

repair(document)
new MutationObserver(() => repair(document)).observe(document.documentElement, {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ['role', 'aria-expanded', 'aria-controls', 'class'],
})
