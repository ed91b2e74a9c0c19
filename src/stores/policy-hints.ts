// policyHints: what would enforce an IP restriction outside Signet (an S3 bucket policy, a
// Cloudflare WAF rule) and an honest account of what enforces it now. Pure.
import type { z } from '@hono/zod-openapi'
import { encodeKeyPath } from '../s3/encoding'
import type { PolicyHintsSchema } from '../schemas'

export type PolicyHints = z.infer<typeof PolicyHintsSchema>

/** IAM policy elements treat `*`, `?` and `$` specially; `${*}` etc. stand for the characters. */
export function policyLiteral(text: string): string {
  return text.replace(/[$*?]/g, (ch) => `\${${ch}}`)
}

/** A string literal in Cloudflare's Rules language: backslash and double quote escaped. */
function rulesString(text: string): string {
  return `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`
}

export type HintMode =
  | 'presign'
  | 'gateway'
  | 'share-redirect'
  | 'share-redirect-gateway'
  | 'share-proxy'

export function policyHints(input: {
  bucket: string
  key: string
  allowIps: string[]
  mode: HintMode
}): PolicyHints {
  const { bucket, key, allowIps, mode } = input
  const notes: string[] = []
  let enforcedBy: PolicyHints['enforcedBy'] = 'signet'
  switch (mode) {
    case 'presign':
      enforcedBy = 'none'
      notes.push(
        'A presigned URL is a bearer URL: anyone holding it can use it from any address until it expires.',
        'The IP restriction holds only if you apply s3BucketPolicy to the bucket (S3, MinIO, Ceph) or cloudflareWafExpression as a block rule on the R2 custom domain that serves it.',
        'R2 applies no bucket policies to its S3 API endpoint; use a custom domain with the WAF rule, or a share link in proxy mode.',
      )
      break
    case 'gateway':
      notes.push(
        'The allowed CIDRs are signed into the URL and the Signet gateway refuses requests from other addresses (CF-Connecting-IP).',
      )
      break
    case 'share-redirect':
      notes.push(
        'Signet checks the client address on every use of the link before redirecting.',
        'The redirect target is a presigned URL that lives at most SIGNET_REDIRECT_SECONDS (default 60): for those seconds it is a bearer URL that works from any address.',
        'To close that window, apply s3BucketPolicy to the bucket or cloudflareWafExpression to the R2 custom domain, or use proxy mode.',
      )
      break
    case 'share-redirect-gateway':
      notes.push(
        'Signet checks the client address on every use of the link before redirecting.',
        'The redirect target is a presigned gateway URL that lives at most SIGNET_REDIRECT_SECONDS (default 60) and is bound, signed, to the address of the client that used the link, so the gateway refuses every other address.',
      )
      break
    case 'share-proxy':
      notes.push(
        'Proxy mode: Signet checks the client address on every request and streams the bytes itself, so the policy holds for every byte.',
        'Do not apply s3BucketPolicy in proxy mode: the store would then refuse Signet itself.',
      )
      break
  }
  const path = `/${encodeKeyPath(key)}`
  return {
    allowIps,
    enforcedBy,
    s3BucketPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SignetDenyOutsideAllowIps',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: `arn:aws:s3:::${policyLiteral(bucket)}/${policyLiteral(key)}`,
          Condition: { NotIpAddress: { 'aws:SourceIp': allowIps } },
        },
      ],
    },
    cloudflareWafExpression: `(http.request.uri.path eq ${rulesString(path)} and not ip.src in {${allowIps.join(' ')}})`,
    notes,
  }
}
