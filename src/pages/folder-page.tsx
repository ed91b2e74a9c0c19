// A folder share's page: the folder's name, when the link expires and how many downloads it has
// left, a "Download all (.zip)" link, and its files (one page of at most 1,000, sorted by name,
// grouped by folder), each a link of its own. It shows only the share's own facts: paths under
// the prefix, never the bucket, the prefix above the folder, or the owner.

import { formatRelative, formatSize } from '../lib/sizes'
import { encodeKeyPath } from '../s3/encoding'
import type { FolderFile, ListingPage } from '../share/folder'
import type { ShareRecord } from '../share/record'
import { shownName } from '../share/use'
import { Page, When } from './layout'
import { ShareFacts, ShareMessage } from './share-facts'

/** The files of a page by folder (the folder's own files first), each folder once. */
function byFolder(files: readonly FolderFile[]): [string, FolderFile[]][] {
  const groups = new Map<string, FolderFile[]>()
  for (const file of files) {
    const slash = file.name.lastIndexOf('/')
    const folder = slash === -1 ? '' : file.name.slice(0, slash + 1)
    const group = groups.get(folder) ?? []
    group.push(file)
    groups.set(folder, group)
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function FileRow(props: { share: ShareRecord; file: FolderFile }) {
  const { share, file } = props
  const name = file.name.slice(file.name.lastIndexOf('/') + 1)
  return (
    <tr data-name={file.name}>
      <td>
        <a href={`/s/${share.id}/${encodeKeyPath(file.name)}`}>{name}</a>
      </td>
      <td class="size">{formatSize(file.size)}</td>
      <td class="modified">
        <When at={Date.parse(file.lastModified)} />
      </td>
    </tr>
  )
}

export function FolderPage(props: { share: ShareRecord; listing: ListingPage; cursor?: string }) {
  const { share, listing } = props
  const name = shownName(share)
  const count = listing.files.length
  const total = listing.files.reduce((sum, file) => sum + file.size, 0)
  const paged = listing.nextCursor !== null || props.cursor !== undefined
  const files = count === 1 ? '1 file' : `${count} files`
  const shown = `${files}${paged ? ' on this page' : ''}, ${formatSize(total)}`
  return (
    <Page
      wide
      head={{
        title: name,
        description: `A folder · ${shown} · expires ${formatRelative(share.expiresAt, Date.now())}`,
      }}
    >
      <h1>{name}</h1>
      <ShareMessage message={share.message} />
      <ShareFacts share={share} label="Files" value={shown} />
      {share.maxDownloads !== null && (
        <p class="quiet">Each file and the zip count as one download.</p>
      )}
      {count > 0 ? (
        <a class="button" href={`/s/${share.id}?download=zip`}>
          Download all (.zip)
        </a>
      ) : (
        <p>This folder is empty.</p>
      )}
      {count > 1 && (
        <p class="filter" data-needs-script hidden>
          <label for="filter">Filter files</label>
          <input id="filter" type="search" data-filter="table.folder tr[data-name]" />
        </p>
      )}
      {count > 0 && (
        <table class="folder">
          <caption class="visually-hidden">Files in {name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="size">
                Size
              </th>
              <th scope="col" class="modified">
                Modified
              </th>
            </tr>
          </thead>
          {byFolder(listing.files).map(([folder, files]) => (
            <tbody>
              {folder !== '' && (
                <tr>
                  <th scope="colgroup" colspan={3}>
                    {folder}
                  </th>
                </tr>
              )}
              {files.map((file) => (
                <FileRow share={share} file={file} />
              ))}
            </tbody>
          ))}
        </table>
      )}
      {listing.nextCursor !== null && (
        <p>
          <a href={`/s/${share.id}?cursor=${encodeURIComponent(listing.nextCursor)}`}>
            Next page of files
          </a>
        </p>
      )}
    </Page>
  )
}
