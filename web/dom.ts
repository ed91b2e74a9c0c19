// What the browser pages' scripts (the console, an upload link's page) share about their page.

/** The page's element with this id; a page built without it is a bug, said at once. */
export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`the page ${location.pathname} has no #${id}`)
  return found as T
}
