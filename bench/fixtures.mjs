// What the HTTP benchmarks set up on a served Signet: an API key over the given buckets, a 4 KiB
// object on the gateway bucket, and the share links they load (pinned, counted, and whatever
// else a benchmark asks for).

/** One JSON API call; anything but a success throws. */
export async function api(server, token, method, path, body) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (response.status >= 300) {
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  }
  return response.json()
}

/** The object every benchmark uses. */
export const OBJECT = { bucket: 'local', key: 'bench/object.bin' }

/**
 * A key over `buckets`, the object uploaded through a presigned PUT, a pinned share of it and a
 * counted one (a million downloads): `{key, auth, shared, counted, share}` where `share(body)`
 * makes more.
 */
export async function seed(server, buckets = ['local']) {
  const scope = { buckets, operations: ['get', 'head', 'put', 'share'] }
  const { key } = await api(server, server.adminToken, 'POST', '/v1/keys', { name: 'bench', scope })
  const put = await api(server, key, 'POST', '/v1/presign', { ...OBJECT, method: 'PUT' })
  await fetch(put.url, { method: 'PUT', body: new Uint8Array(4096) })
  const share = (body = {}) => api(server, key, 'POST', '/v1/shares', { ...OBJECT, ...body })
  return {
    key,
    auth: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    shared: await share(),
    counted: await share({ maxDownloads: 1_000_000 }),
    share,
  }
}
