// The gateway answers in S3's XML error format with S3's codes, never in Signet's JSON shape.
// Messages are fixed per code or come from the verifier; none repeats a signature or a secret.
import { escapeXml } from '../lib/xml'
import type { VerifyFailure } from '../s3/verify'

export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidPolicyDocument: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  MalformedXML: 400,
  KeyTooLongError: 400,
  MalformedPOSTRequest: 400,
  MaxPostPreDataLengthExceeded: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  RequestHeaderSectionTooLarge: 400,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
} as const

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS

export class S3Error extends Error {
  readonly code: S3ErrorCode
  constructor(code: S3ErrorCode, message: string) {
    super(message)
    this.name = 'S3Error'
    this.code = code
  }
}

export function s3ErrorResponse(
  code: S3ErrorCode,
  message: string,
  requestId: string,
  method: string,
): Response {
  const status = S3_ERROR_STATUS[code]
  const headers = new Headers({
    'Content-Type': 'application/xml',
    'Cache-Control': 'no-store',
    'x-amz-request-id': requestId,
    'X-Request-Id': requestId,
    'Access-Control-Allow-Origin': '*',
  })
  // HEAD answers carry no body, as S3's do.
  if (method === 'HEAD') return new Response(null, { status, headers })
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${escapeXml(requestId)}</RequestId></Error>`
  return new Response(body, { status, headers })
}

/**
 * A failed signature check in S3's words, for a presigned URL (`query`) or a request signed in
 * its Authorization header (`header`): a problem with the signing parameters is the query form's
 * AuthorizationQueryParametersError and the header form's AccessDenied; the rest is the same.
 */
export function signatureError(
  reason: VerifyFailure | 'skewed',
  message: string,
  form: 'query' | 'header',
): S3Error {
  const parameters: S3ErrorCode =
    form === 'query' ? 'AuthorizationQueryParametersError' : 'AccessDenied'
  switch (reason) {
    case 'missing_parameter':
    case 'malformed_parameter':
    case 'unsupported_algorithm':
    case 'credential_scope':
      return new S3Error(parameters, message)
    case 'duplicate_parameter':
      return new S3Error(form === 'query' ? parameters : 'InvalidArgument', message)
    case 'unknown_access_key':
      return new S3Error('InvalidAccessKeyId', message)
    case 'missing_signed_header':
    case 'unsigned_header':
    case 'expired':
      return new S3Error('AccessDenied', message)
    case 'not_yet_valid':
      return new S3Error(form === 'query' ? 'AccessDenied' : 'RequestTimeTooSkewed', message)
    case 'skewed':
      return new S3Error('RequestTimeTooSkewed', message)
    case 'malformed_path':
      return new S3Error('InvalidURI', message)
    case 'signature_mismatch':
      return new S3Error('SignatureDoesNotMatch', message)
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled verify failure ${String(unreachable)}`)
    }
  }
}
