// The URL doctor's answer: one shape for every kind of signature, also the API's `Inspection`.
import { z } from 'zod'

/** What the doctor says about a URL: the one shape, also the API's `Inspection` schema. */
export const InspectionSchema = z.object({
  algorithm: z.string().nullable(),
  host: z.string(),
  bucket: z.string().optional(),
  key: z.string().optional(),
  method: z.string().optional(),
  credential: z
    .object({
      accessKeyId: z.string(),
      date: z.string(),
      region: z.string(),
      service: z.string(),
    })
    .nullable(),
  signedHeaders: z.array(z.string()),
  signedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  expiresIn: z.number().nullable(),
  expired: z.boolean().nullable(),
  secondsLeft: z.number().nullable(),
  signatureValid: z.boolean().optional(),
  problems: z.array(z.string()),
})

export type Inspection = z.infer<typeof InspectionSchema>

/** The credential scope of a URL's credential parameter, the identity masked; null if malformed. */
export function credentialOf(
  text: string | undefined,
  mask: (identity: string) => string,
): Inspection['credential'] {
  const parts = text?.split('/')
  if (parts?.length !== 5) return null
  const [identity, date, region, service] = parts as [string, string, string, string]
  return { accessKeyId: mask(identity), date, region, service }
}
