// SIGNET_BRAND: the name, colour and logo the console and the public pages carry. A bad value is
// a problem /healthz reports (the pages then carry Signet's own look): a brand never stops a
// link from working.
import { z } from '@hono/zod-openapi'

export type Brand = {
  name: string | null
  /** `#rgb` or `#rrggbb`: buttons, links and the page's accent. */
  color: string | null
  /** `https:` or a path on Signet's own origin: the pages' CSP allows exactly it. */
  logoUrl: string | null
}

const brandSchema = z.strictObject({
  name: z.string().min(1).max(60).optional(),
  color: z
    .string()
    .regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, { message: 'must be #rgb or #rrggbb' })
    .optional(),
  logoUrl: z
    .string()
    .max(2048)
    .refine(
      (text) => (text.startsWith('/') && !text.startsWith('//')) || /^https:\/\/[^/\s]/.test(text),
      { message: "must be https: or a path on Signet's origin" },
    )
    .refine((text) => !/[\s;,'"]/.test(text), { message: 'must hold no spaces, quotes, ; or ,' })
    .optional(),
})

/** The brand, or null; a problem (the variable's name and what is wrong, no value) when bad. */
export function parseBrand(value: unknown): { brand: Brand | null; problem?: string } {
  if (value === undefined || value === '') return { brand: null }
  let json: unknown = value
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value)
    } catch {
      return { brand: null, problem: 'is not JSON' }
    }
  }
  const parsed = brandSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { brand: null, problem: `${issue?.path.join('.') || 'value'} ${issue?.message ?? ''}` }
  }
  return {
    brand: {
      name: parsed.data.name ?? null,
      color: parsed.data.color ?? null,
      logoUrl: parsed.data.logoUrl ?? null,
    },
  }
}
